// A fake `wx` for page and wrapper tests: wx.request / wx.downloadFile are answered from a route table
// of recorded API answers (fixtures shaped per docs/api-mp.md), everything else is a jest.fn whose
// behaviour a test can change. All callbacks fire on microtasks, so tests only await promises.
const path = require('path')
const config = require('../../config')

const FIXTURES = path.join(__dirname, '..', 'fixtures')

function fixture(name) {
  // A fresh copy each time so one test's mutations never leak into another.
  return JSON.parse(JSON.stringify(require(path.join(FIXTURES, name + '.json'))))
}

function later(fn) {
  Promise.resolve().then(fn)
}

function splitUrl(url) {
  const rest = url.slice(config.apiBase.length)
  const q = rest.indexOf('?')
  const pathname = q < 0 ? rest : rest.slice(0, q)
  const query = {}
  if (q >= 0) {
    rest.slice(q + 1).split('&').forEach(pair => {
      const [k, v] = pair.split('=')
      query[decodeURIComponent(k)] = decodeURIComponent(v || '')
    })
  }
  return { pathname, query }
}

function installFakeWx() {
  const ctx = {
    routes: [],
    requests: [], // every request/download as { method, path, query, data, header }
    storage: {},
    offline: false,
    modalConfirm: true,
    privacyAgreed: true,
    privacyHandler: null,
    subscribeAnswer: null, // null → accept every template asked for
    loginCount: 0
  }

  // route('GET', '/api/mp/me', fixture('me')) or route('POST', path, req => ({ status, body })).
  ctx.route = (method, pathname, answer, status) => {
    ctx.routes.unshift({ method, pathname, answer, status: status || 200 })
    return ctx
  }
  ctx.calls = (method, pathname) => ctx.requests.filter(r => r.method === method && r.path === pathname)

  function answer(method, url, data, header) {
    const { pathname, query } = splitUrl(url)
    const req = { method, path: pathname, query, data, header: header || {} }
    ctx.requests.push(req)
    const route = ctx.routes.find(r => r.method === method && r.pathname === pathname)
    if (!route) return { statusCode: 404, data: { title: '未找到', status: 404, code: 'not_found' } }
    const res = typeof route.answer === 'function' ? route.answer(req) : { status: route.status, body: route.answer }
    return { statusCode: res.status || 200, data: res.body }
  }

  const fakes = {
    request: jest.fn(opts => {
      later(() => {
        if (ctx.offline) return opts.fail({ errMsg: 'request:fail timeout' })
        const res = answer(opts.method || 'GET', opts.url, opts.data, opts.header)
        opts.success(res)
      })
    }),
    downloadFile: jest.fn(opts => {
      later(() => {
        if (ctx.offline) return opts.fail({ errMsg: 'downloadFile:fail timeout' })
        const res = answer('GET', opts.url, undefined, opts.header)
        opts.success({ statusCode: res.statusCode, tempFilePath: res.statusCode === 200 ? res.data : '' })
      })
    }),
    login: jest.fn(opts => {
      later(() => {
        if (ctx.offline) return opts.fail({ errMsg: 'login:fail' })
        ctx.loginCount += 1
        opts.success({ code: 'code-' + ctx.loginCount })
      })
    }),
    getStorageSync: jest.fn(key => ctx.storage[key]),
    setStorageSync: jest.fn((key, value) => {
      ctx.storage[key] = value
    }),
    removeStorageSync: jest.fn(key => {
      delete ctx.storage[key]
    }),
    showModal: jest.fn(opts => {
      later(() => opts.success && opts.success({ confirm: ctx.modalConfirm, cancel: !ctx.modalConfirm }))
    }),
    requestSubscribeMessage: jest.fn(opts => {
      later(() => {
        const res = { errMsg: 'requestSubscribeMessage:ok' }
        opts.tmplIds.forEach(id => {
          res[id] = ctx.subscribeAnswer ? ctx.subscribeAnswer[id] : 'accept'
        })
        opts.success(res)
      })
    }),
    onNeedPrivacyAuthorization: jest.fn(handler => {
      ctx.privacyHandler = handler
    }),
    // Like WeChat: asks through onNeedPrivacyAuthorization only while the user has not agreed.
    requirePrivacyAuthorize: jest.fn(opts => {
      if (ctx.privacyAgreed) {
        later(() => opts.success({}))
        return
      }
      ctx.privacyHandler(result => {
        if (result.event === 'agree') {
          ctx.privacyAgreed = true
          ctx.privacyResolution = result
          later(() => opts.success({}))
        } else {
          later(() => opts.fail({ errMsg: 'requirePrivacyAuthorize:fail privacy permission is not authorized' }))
        }
      }, { referrer: 'requirePrivacyAuthorize' })
    }),
    openPrivacyContract: jest.fn(),
    showToast: jest.fn(),
    showLoading: jest.fn(),
    hideLoading: jest.fn(),
    navigateTo: jest.fn(),
    navigateBack: jest.fn(),
    switchTab: jest.fn(),
    stopPullDownRefresh: jest.fn(),
    setClipboardData: jest.fn()
  }
  global.wx = Object.assign(global.wx || {}, fakes)
  // The app registers the privacy listener at launch; do the same for every fresh fake.
  require('../../utils/privacy').install()
  return ctx
}

// Lets every queued microtask (fake network, setData, simulated taps) run; no real timers involved.
async function flush() {
  for (let i = 0; i < 100; i++) {
    await Promise.resolve()
  }
}

module.exports = { installFakeWx, fixture, flush }
