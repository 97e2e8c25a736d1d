/**
 * @jest-environment node
 */
// Contract test: the REAL request wrapper (utils/request.js via utils/api.js) against the real backend.
//   KEPU_CONTRACT=1  the test starts the backend and the WeChat simulator itself from the built
//                    assemblies (support/backend.js); the README's test command sets it.
//   KEPU_API_BASE    or: test a backend that is already running, e.g. http://127.0.0.1:5080, with
//   KEPU_SIM_BASE    the simulator it talks to (POST {KEPU_SIM_BASE}/_sim/login-codes → {"code":"…"}).
// With neither, the suite is skipped.
const fs = require('fs')
const os = require('os')
const path = require('path')

const { startBackend } = require('./support/backend')

let API_BASE = process.env.KEPU_API_BASE
let SIM_BASE = process.env.KEPU_SIM_BASE
let MP_APPID = process.env.KEPU_MP_APPID
const START_BACKEND = !API_BASE && process.env.KEPU_CONTRACT === '1'
const OPENID = 'contract-' + Date.now() + '-' + process.pid

if (!API_BASE && !START_BACKEND) {
  // eslint-disable-next-line no-console
  console.warn('contract test skipped: set KEPU_CONTRACT=1 (starts the backend) or KEPU_API_BASE + KEPU_SIM_BASE')
}

const storage = {}

// wx.* implemented with Node's fetch, just enough for utils/request.js and utils/auth.js.
function installNodeWx() {
  global.wx = {
    request(opts) {
      const method = opts.method || 'GET'
      const hasBody = opts.data !== undefined && method !== 'GET'
      fetch(opts.url, { method, headers: opts.header, body: hasBody ? JSON.stringify(opts.data) : undefined })
        .then(res => res.text().then(body => {
          let data = body
          try {
            data = body ? JSON.parse(body) : ''
          } catch (e) {
            // Not JSON (e.g. an HTML error page): hand over the text like wx.request does.
          }
          opts.success({ statusCode: res.status, data, header: Object.fromEntries(res.headers) })
        }))
        .catch(err => opts.fail({ errMsg: 'request:fail ' + err.message }))
    },
    downloadFile(opts) {
      fetch(opts.url, { headers: opts.header })
        .then(res => res.arrayBuffer().then(buf => {
          const file = path.join(os.tmpdir(), 'kepu-contract-' + Date.now() + '.png')
          fs.writeFileSync(file, Buffer.from(buf))
          opts.success({ statusCode: res.status, tempFilePath: file })
        }))
        .catch(err => opts.fail({ errMsg: 'downloadFile:fail ' + err.message }))
    },
    login(opts) {
      if (!SIM_BASE) {
        opts.fail({ errMsg: 'login:fail KEPU_SIM_BASE is not set' })
        return
      }
      fetch(SIM_BASE.replace(/\/+$/, '') + '/_sim/login-codes', {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ openId: OPENID, appId: MP_APPID })
      })
        .then(res => res.json())
        .then(body => opts.success({ code: body.code }))
        .catch(err => opts.fail({ errMsg: 'login:fail ' + err.message }))
    },
    getStorageSync: key => storage[key],
    setStorageSync: (key, value) => {
      storage[key] = value
    },
    removeStorageSync: key => {
      delete storage[key]
    },
    showLoading() {},
    hideLoading() {}
  }
}

function isOpenForSignup(s, now) {
  return s.status === 'open' &&
    (!s.signupOpensAt || Date.parse(s.signupOpensAt) <= now) &&
    (!s.signupClosesAt || Date.parse(s.signupClosesAt) > now) &&
    (s.placesLeft > 0 || s.waitlistCapacity > s.waitlistLength)
}

// A child that fits the session's grade or age range, so the sign-up is not refused for that.
const GRADES = ['幼儿园', '一年级', '二年级', '三年级', '四年级', '五年级', '六年级', '七年级', '八年级', '九年级', '高一', '高二', '高三']

function childFor(session) {
  const child = { name: '合约测试儿童', school: '柳州市合约测试小学', gender: null }
  if (session.minGrade != null || session.maxGrade != null) {
    return Object.assign(child, { grade: GRADES[session.minGrade != null ? session.minGrade : session.maxGrade] })
  }
  if (session.minAge != null || session.maxAge != null) {
    const age = session.minAge != null ? session.minAge : session.maxAge
    const born = new Date(session.startsAt)
    born.setUTCMonth(born.getUTCMonth() - (age * 12 + 6)) // half a year past the birthday: safely inside
    return Object.assign(child, { birthYearMonth: born.getUTCFullYear() + '-' + String(born.getUTCMonth() + 1).padStart(2, '0') })
  }
  return Object.assign(child, { grade: '三年级' })
}

const suite = API_BASE || START_BACKEND ? describe : describe.skip

suite('contract with the backend', () => {
  jest.setTimeout(30000)
  let api
  let auth
  let config
  let backend
  const state = {}

  beforeAll(async () => {
    if (START_BACKEND) {
      backend = await startBackend()
      API_BASE = backend.apiBase
      SIM_BASE = backend.simBase
      MP_APPID = backend.mpAppId
    }
    if (!SIM_BASE) throw new Error('KEPU_SIM_BASE must point at the WeChat simulator (POST /_sim/login-codes)')
    installNodeWx()
    config = require('../config')
    config.apiBase = API_BASE
    api = require('../utils/api')
    auth = require('../utils/auth')
  }, 180000)

  afterAll(async () => {
    if (backend) await backend.stop()
  }, 60000)

  test('login: wx.login code from the simulator → session token in storage', async () => {
    const me = await api.getMe()
    const session = auth.getSession()
    expect(typeof session.token).toBe('string')
    expect(typeof session.expiresAt).toBe('string')
    expect(session.hasProfile).toBe(false)
    expect(session.hasConsent).toBe(false)
    expect(me).toEqual(expect.objectContaining({ guardian: null, consent: null, children: [] }))
  })

  test('catalogue: activities and sessions with places left', async () => {
    const activities = await api.listActivities({ page: 1, pageSize: 50 })
    expect(Array.isArray(activities.items)).toBe(true)
    expect(activities.items.length).toBeGreaterThan(0)
    expect(activities).toEqual(expect.objectContaining({ total: expect.any(Number), page: 1, pageSize: 50 }))
    const sessions = await api.listSessions({ page: 1, pageSize: 100 })
    const now = Date.now()
    state.session = sessions.items.find(s => isOpenForSignup(s, now))
    if (!state.session) {
      throw new Error('the backend has no session open for sign-up now (status open, inside its sign-up window, with a place or waiting-list room); seed one')
    }
    const detail = await api.getSession(state.session.id)
    expect(detail.id).toBe(state.session.id)
    expect(typeof detail.placesLeft).toBe('number')
  })

  test('guardian, privacy-notice consent and a child', async () => {
    const notice = await api.getPrivacyNotice()
    expect(typeof notice.version).toBe('string')
    const me = await api.saveGuardian({ name: '合约测试家长', phone: '13800138000' })
    expect(me.guardian).toEqual(expect.objectContaining({ name: '合约测试家长', phone: '13800138000' }))
    expect(me.guardian.phoneMasked).not.toContain('00138')
    const consent = await api.giveConsent(notice.version)
    expect(consent.version).toBe(notice.version)
    state.child = await api.addChild(childFor(state.session))
    expect(state.child).toEqual(expect.objectContaining({ id: expect.anything(), name: '合约测试儿童' }))
  })

  test('sign-up → confirmed or waitlisted, and listed under my sign-ups', async () => {
    const res = await api.signUp(state.session.id, [state.child.id])
    expect(['confirmed', 'waitlisted']).toContain(res.outcome)
    expect(res.signups).toHaveLength(1)
    state.signup = res.signups[0]
    expect(state.signup).toEqual(expect.objectContaining({ sessionId: state.session.id, childId: state.child.id, status: res.outcome }))

    const mine = await api.listSignups()
    const listed = mine.find(s => s.id === state.signup.id)
    expect(listed).toEqual(expect.objectContaining({ status: res.outcome, childName: '合约测试儿童' }))
    expect(listed.session).toEqual(expect.objectContaining({ title: expect.any(String), startsAt: expect.any(String) }))
  })

  test('check-in code PNG downloads with the bearer header (confirmed sign-ups)', async () => {
    if (state.signup.status !== 'confirmed') return
    const file = await api.downloadCheckinPng(state.signup.id)
    expect(fs.readFileSync(file).subarray(1, 4).toString()).toBe('PNG')
  })

  test('an unknown token → 401 → silent re-login and retry', async () => {
    storage[config.sessionStorageKey] = Object.assign({}, auth.getSession(), { token: 'not-a-real-token' })
    const mine = await api.listSignups()
    expect(mine.some(s => s.id === state.signup.id)).toBe(true)
    expect(auth.getToken()).not.toBe('not-a-real-token')
  })

  test('cancel frees the place; deleting my data erases the test guardian', async () => {
    const cancelled = await api.cancelSignup(state.signup.id)
    expect(cancelled.status).toBe('cancelled')
    await api.deleteMe()
  })
})
