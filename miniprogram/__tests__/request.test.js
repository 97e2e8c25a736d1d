const { installFakeWx, fixture, flush } = require('./helpers/fake-wx')
const { request, download, describeError, ApiError } = require('../utils/request')
const config = require('../config')

let wxCtx
beforeEach(() => {
  wxCtx = installFakeWx()
  wxCtx.route('POST', '/api/mp/login', req => ({ status: 200, body: Object.assign(fixture('login'), { token: 'tok-' + req.data.code }) }))
})

describe('request wrapper', () => {
  test('logs in with the wx.login code first, stores the token and sends it as a bearer', async () => {
    wxCtx.route('GET', '/api/mp/me', fixture('me'))
    const me = await request({ path: '/api/mp/me' })
    expect(me.guardian.name).toBe('张三')
    expect(wxCtx.calls('POST', '/api/mp/login')[0].data).toEqual({ code: 'code-1' })
    expect(wxCtx.storage[config.sessionStorageKey].token).toBe('tok-code-1')
    expect(wxCtx.calls('GET', '/api/mp/me')[0].header.Authorization).toBe('Bearer tok-code-1')
  })

  test('401 → silent re-login once and the request is retried once', async () => {
    wxCtx.storage[config.sessionStorageKey] = { token: 'stale', expiresAt: '2099-01-01T00:00:00Z' }
    wxCtx.route('GET', '/api/mp/signups', req => (req.header.Authorization === 'Bearer stale'
      ? { status: 401, body: fixture('problem-session-expired') }
      : { status: 200, body: fixture('signups') }))
    const list = await request({ path: '/api/mp/signups' })
    expect(list).toHaveLength(3)
    expect(wxCtx.loginCount).toBe(1)
    expect(wxCtx.calls('GET', '/api/mp/signups').map(r => r.header.Authorization)).toEqual(['Bearer stale', 'Bearer tok-code-1'])
  })

  test('a second 401 is reported, not looped on', async () => {
    wxCtx.route('GET', '/api/mp/signups', fixture('problem-session-expired'), 401)
    await expect(request({ path: '/api/mp/signups' })).rejects.toMatchObject({ status: 401, code: 'session_expired', title: '登录已过期' })
    expect(wxCtx.calls('GET', '/api/mp/signups')).toHaveLength(2)
    expect(wxCtx.loginCount).toBe(2)
  })

  test('parallel requests share one wx.login', async () => {
    wxCtx.route('GET', '/api/mp/me', fixture('me')).route('GET', '/api/mp/signups', fixture('signups'))
    await Promise.all([request({ path: '/api/mp/me' }), request({ path: '/api/mp/signups' })])
    expect(wxCtx.loginCount).toBe(1)
  })

  test('network failure → a message a parent understands, marked retryable', async () => {
    wxCtx.offline = true
    const err = await request({ path: '/api/activities', auth: 'optional' }).catch(e => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(describeError(err)).toMatchObject({ detail: '网络不给力，请检查网络后重试', retryable: true })
  })

  test('ProblemDetails title/detail/code are passed through; validation errors are spelled out', async () => {
    wxCtx.storage[config.sessionStorageKey] = { token: 't' }
    wxCtx.route('POST', '/api/mp/sessions/s-1/signups', fixture('problem-session-full'), 409)
    wxCtx.route('PUT', '/api/mp/me/guardian', fixture('problem-validation'), 400)
    await expect(request({ path: '/api/mp/sessions/s-1/signups', method: 'POST', data: { childIds: ['c'] } }))
      .rejects.toMatchObject({ title: '名额已满', detail: '该场次名额已满，且候补名单也已满。', code: 'session_full' })
    await expect(request({ path: '/api/mp/me/guardian', method: 'PUT', data: {} }))
      .rejects.toMatchObject({ code: 'validation', detail: '请填写正确的手机号；请填写姓名' })
  })

  test('public catalogue reads never log in and leave out empty filters', async () => {
    wxCtx.route('GET', '/api/activities', fixture('activities'))
    await request({ path: '/api/activities', query: { category: '', q: '科学', page: 1 }, auth: 'optional' })
    const call = wxCtx.calls('GET', '/api/activities')[0]
    expect(call.query).toEqual({ q: '科学', page: '1' })
    expect(call.header.Authorization).toBeUndefined()
    expect(wx.login).not.toHaveBeenCalled()
  })

  test('loading toast is shown around actions and always hidden', async () => {
    wxCtx.storage[config.sessionStorageKey] = { token: 't' }
    wxCtx.route('DELETE', '/api/mp/signups/su-1', fixture('problem-cancel-deadline'), 409)
    await request({ path: '/api/mp/signups/su-1', method: 'DELETE', loading: '正在取消' }).catch(() => null)
    await flush()
    expect(wx.showLoading).toHaveBeenCalledWith({ title: '正在取消', mask: true })
    expect(wx.hideLoading).toHaveBeenCalledTimes(1)
  })

  test('downloads send the bearer header and resolve with the temp file', async () => {
    wxCtx.storage[config.sessionStorageKey] = { token: 't' }
    wxCtx.route('GET', '/api/mp/signups/su-1/checkin-code.png', 'wxfile://tmp/qr.png')
    await expect(download({ path: '/api/mp/signups/su-1/checkin-code.png' })).resolves.toBe('wxfile://tmp/qr.png')
    expect(wx.downloadFile.mock.calls[0][0].header).toEqual({ Authorization: 'Bearer t' })
  })
})
