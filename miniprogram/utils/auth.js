// The backend session: wx.login gives a one-time code, POST /api/mp/login turns it into a bearer token
// that we keep in wx storage so a parent is not logged in again on every launch.
const config = require('../config')

// While one login is in flight every other request waits for it instead of spending another
// wx.login code (codes are single-use and WeChat rate-limits code2session).
let pendingLogin = null

function getSession() {
  try {
    return wx.getStorageSync(config.sessionStorageKey) || null
  } catch (e) {
    return null
  }
}

function getToken() {
  const session = getSession()
  if (!session || !session.token) return null
  // An expired token would only earn a 401; skip the round-trip.
  if (session.expiresAt && Date.parse(session.expiresAt) <= Date.now()) return null
  return session.token
}

function clear() {
  try {
    wx.removeStorageSync(config.sessionStorageKey)
  } catch (e) {
    // Storage can fail on a full device; the next login simply overwrites it.
  }
}

function wxLoginCode() {
  return new Promise((resolve, reject) => {
    wx.login({
      success: res => (res && res.code ? resolve(res.code) : reject(new Error('wx.login returned no code'))),
      fail: err => reject(err || new Error('wx.login failed'))
    })
  })
}

// `postLogin(body)` sends POST /api/mp/login and resolves with the parsed answer; it is passed in by
// request.js so this module stays free of transport code (and of a circular require).
function login(postLogin) {
  if (pendingLogin) return pendingLogin
  pendingLogin = wxLoginCode()
    .then(code => postLogin({ code }))
    .then(session => {
      wx.setStorageSync(config.sessionStorageKey, session)
      return session
    })
  const done = () => {
    pendingLogin = null
  }
  pendingLogin.then(done, done)
  return pendingLogin
}

// Keeps the locally known profile flags in step after the parent saves a guardian or consent.
function updateSession(patch) {
  const session = getSession()
  if (session) wx.setStorageSync(config.sessionStorageKey, Object.assign({}, session, patch))
}

module.exports = { getSession, getToken, clear, login, updateSession }
