// The one door to the backend. Every page goes through `request` (JSON) or `download` (files such as
// the check-in QR code) so that login renewal, error wording and loading feedback behave the same
// everywhere.
const config = require('../config')
const auth = require('./auth')

const NETWORK_TITLE = '网络不给力'
const NETWORK_DETAIL = '网络不给力，请检查网络后重试'

// One error type for everything a page may have to show. `kind` is "network" when the server was
// never reached and "http" when it answered with an error (then `code` is the ProblemDetails code).
class ApiError extends Error {
  constructor(info) {
    super(info.detail || info.title)
    this.name = 'ApiError'
    this.kind = info.kind
    this.status = info.status || 0
    this.code = info.code || null
    this.title = info.title
    this.detail = info.detail || ''
    this.errors = info.errors || null
  }
}

function networkError() {
  return new ApiError({ kind: 'network', title: NETWORK_TITLE, detail: NETWORK_DETAIL })
}

// Fallback wording for answers without a ProblemDetails body (proxies, gateways, crashes).
function genericTitle(status) {
  if (status === 401) return '登录已过期，请重新进入小程序'
  if (status === 403) return '没有权限进行此操作'
  if (status === 404) return '内容不存在或已被删除'
  if (status === 429) return '操作太频繁，请稍后再试'
  if (status >= 500) return '服务暂时不可用，请稍后重试'
  return '请求未成功，请稍后重试'
}

function httpError(status, body) {
  const problem = body && typeof body === 'object' ? body : {}
  let detail = problem.detail || ''
  // Validation answers carry the useful text per field; show it instead of a generic title.
  if (!detail && problem.errors && typeof problem.errors === 'object') {
    detail = Object.keys(problem.errors)
      .map(key => [].concat(problem.errors[key]).join('；'))
      .join('；')
  }
  return new ApiError({
    kind: 'http',
    status,
    code: problem.code,
    title: problem.title || genericTitle(status),
    detail,
    errors: problem.errors
  })
}

function buildQuery(params) {
  if (!params) return ''
  const parts = Object.keys(params)
    .filter(key => params[key] !== undefined && params[key] !== null && params[key] !== '')
    .map(key => encodeURIComponent(key) + '=' + encodeURIComponent(params[key]))
  return parts.length ? '?' + parts.join('&') : ''
}

function buildUrl(path, params) {
  return config.apiBase.replace(/\/+$/, '') + path + buildQuery(params)
}

// wx.request as a promise. Resolves with { statusCode, body } for ANY HTTP answer (4xx/5xx included)
// and rejects only when the server could not be reached.
function sendJson(opts, header) {
  return new Promise((resolve, reject) => {
    wx.request({
      url: buildUrl(opts.path, opts.query),
      method: opts.method || 'GET',
      data: opts.data,
      header: Object.assign({ 'content-type': 'application/json' }, header),
      timeout: config.timeout,
      success: res => resolve({ statusCode: res.statusCode, body: res.data }),
      fail: () => reject(networkError())
    })
  })
}

// wx.downloadFile as a promise, same contract as sendJson; the body is the temporary file path.
function sendDownload(opts, header) {
  return new Promise((resolve, reject) => {
    wx.downloadFile({
      url: buildUrl(opts.path, opts.query),
      header,
      timeout: config.timeout,
      success: res => resolve({ statusCode: res.statusCode, body: res.tempFilePath }),
      fail: () => reject(networkError())
    })
  })
}

function loginWithBackend() {
  return auth.login(data => perform({ path: '/api/mp/login', method: 'POST', data, auth: 'none' }, sendJson, true))
}

// auth: "required" (default, logs in first if needed), "optional" (public reads: send the token when we
// have one so sessions carry the parent's own status, but never log in just for them), "none".
function perform(opts, transport, retried) {
  const mode = opts.auth || 'required'
  let token = mode === 'none' ? null : auth.getToken()
  const before = mode === 'required' && !token ? loginWithBackend().then(() => auth.getToken()) : Promise.resolve(token)

  return before.then(currentToken => {
    token = currentToken
    const header = token ? { Authorization: 'Bearer ' + token } : {}
    return transport(opts, header)
  }).then(res => {
    if (res.statusCode === 401 && token && !retried) {
      // The session expired or the server forgot it: log in again silently and retry exactly once.
      auth.clear()
      if (mode === 'optional') return perform(opts, transport, true)
      return loginWithBackend().then(() => perform(opts, transport, true))
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return res.body
    throw httpError(res.statusCode, res.body)
  }, err => {
    // wx.login failing (offline, airplane mode) looks to the parent exactly like a network failure.
    throw err instanceof ApiError ? err : networkError()
  })
}

// Shows WeChat's loading toast around an action the parent started (submit, cancel…). Page loads use
// the state-view component instead, which does not block the screen.
function withLoading(title, promise) {
  if (!title) return promise
  wx.showLoading({ title, mask: true })
  const hide = () => wx.hideLoading()
  promise.then(hide, hide)
  return promise
}

function request(opts) {
  return withLoading(opts.loading, perform(opts, sendJson, false))
}

function download(opts) {
  return withLoading(opts.loading, perform(opts, sendDownload, false))
}

// What a page shows for an error: server text when there is one, the network message otherwise.
function describeError(err) {
  if (err instanceof ApiError) {
    return { title: err.title, detail: err.detail, code: err.code, retryable: err.kind === 'network' || err.status >= 500 }
  }
  return { title: '出了点问题', detail: '请稍后重试', code: null, retryable: true }
}

// Modal for errors caused by a tap (a page load shows its error inline instead).
function showError(err) {
  const info = describeError(err)
  wx.showModal({ title: info.title, content: info.detail || info.title, showCancel: false, confirmText: '知道了' })
  return info
}

// Runs a page's load task and mirrors it into the page data as
// { state: 'loading' | 'ready' | 'empty' | 'error', error } for the state-view component.
function loadInto(page, task, isEmpty) {
  page.setData({ state: 'loading', error: null })
  return task().then(result => {
    page.setData({ state: isEmpty && isEmpty(result) ? 'empty' : 'ready' })
    return result
  }, err => {
    page.setData({ state: 'error', error: describeError(err) })
    return null
  })
}

module.exports = { request, download, describeError, showError, loadInto, buildUrl, ApiError, NETWORK_DETAIL }
