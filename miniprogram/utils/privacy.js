// WeChat's 隐私保护指引 flow (with "__usePrivacyCheck__": true in app.json). Privacy-relevant features
// (sign-up, profile, children, own data) call `ensureAgreed()`; WeChat then fires
// onNeedPrivacyAuthorization if the parent has not agreed yet, and the privacy-popup component on the
// current page asks. Declining only blocks those features: browsing activities never asks.

let pendingResolve = null
// Popups of open pages, newest last: only the page on top should show the question.
const listeners = []

function answer(result) {
  const resolve = pendingResolve
  pendingResolve = null
  if (resolve) resolve(result)
}

function install() {
  if (typeof wx.onNeedPrivacyAuthorization !== 'function') return
  wx.onNeedPrivacyAuthorization(resolve => {
    // A second request while the popup is open supersedes the first; WeChat only keeps the last.
    pendingResolve = resolve
    const top = listeners[listeners.length - 1]
    if (top) top()
    else answer({ event: 'disagree' }) // No popup on this page: never block the parent with a hidden question.
  })
}

// Resolves true when the parent has agreed (asking if needed), false when they declined.
function ensureAgreed() {
  // Base libraries before 2.32.3 have no privacy check at all; nothing to ask there.
  if (typeof wx.requirePrivacyAuthorize !== 'function') return Promise.resolve(true)
  return new Promise(resolve => {
    wx.requirePrivacyAuthorize({ success: () => resolve(true), fail: () => resolve(false) })
  })
}

function agree(buttonId) {
  answer({ buttonId, event: 'agree' })
}

function decline() {
  answer({ event: 'disagree' })
}

function subscribe(listener) {
  listeners.push(listener)
  return () => {
    const i = listeners.indexOf(listener)
    if (i >= 0) listeners.splice(i, 1)
  }
}

// Shared start of every privacy-gated page: ask, then either load or show the "declined" state.
function gate(page, load) {
  return ensureAgreed().then(ok => {
    if (!ok) {
      page.setData({ state: 'privacy', error: null })
      return null
    }
    return load()
  })
}

module.exports = { install, ensureAgreed, agree, decline, subscribe, gate }
