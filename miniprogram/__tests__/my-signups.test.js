// "我的报名", cancelling, and the check-in QR code.
const { installFakeWx, fixture } = require('./helpers/fake-wx')
const { openPage, text, tap, byId } = require('./helpers/render')
const config = require('../config')

let wxCtx
beforeEach(() => {
  wxCtx = installFakeWx()
  wxCtx.storage[config.sessionStorageKey] = fixture('login')
  wxCtx.route('GET', '/api/mp/signups', fixture('signups'))
})

describe('my sign-ups', () => {
  test('lists statuses, the waiting-list position and which actions apply', async () => {
    const page = await openPage('signups', {}, ['onShow'])
    const items = page.querySelectorAll('.signup-item')
    expect(items).toHaveLength(3)
    expect(text(items[0])).toContain('候补第 2 位')
    expect(text(items[0])).toContain('2099年9月21日（周一） 14:30–16:30')
    expect(byId(page, '.code-btn', 'su-10')).toBeFalsy()
    expect(text(items[1])).toContain('报名成功')
    expect(byId(page, '.code-btn', 'su-1')).toBeTruthy()
    expect(text(items[2])).toContain('已取消')
    expect(byId(page, '.cancel-btn', 'su-0')).toBeFalsy()
    expect(byId(page, '.cancel-btn', 'su-10')).toBeTruthy()
  })

  test('cancel asks for confirmation, then DELETEs and shows the new status', async () => {
    wxCtx.route('DELETE', '/api/mp/signups/su-1', fixture('signup-cancelled'))
    const page = await openPage('signups', {}, ['onShow'])
    await tap(byId(page, '.cancel-btn', 'su-1'))
    expect(wx.showModal.mock.calls[0][0]).toMatchObject({ title: '确认取消报名', confirmText: '确认取消' })
    expect(wx.showModal.mock.calls[0][0].content).toContain('张小明')
    expect(wxCtx.calls('DELETE', '/api/mp/signups/su-1')).toHaveLength(1)
    expect(text(page.querySelectorAll('.signup-item')[1])).toContain('已取消')
  })

  test('saying no in the confirmation cancels nothing', async () => {
    wxCtx.modalConfirm = false
    const page = await openPage('signups', {}, ['onShow'])
    await tap(byId(page, '.cancel-btn', 'su-1'))
    expect(wxCtx.calls('DELETE', '/api/mp/signups/su-1')).toHaveLength(0)
  })

  test('after the deadline the server\'s refusal is shown', async () => {
    wxCtx.route('DELETE', '/api/mp/signups/su-1', fixture('problem-cancel-deadline'), 409)
    const page = await openPage('signups', {}, ['onShow'])
    await tap(byId(page, '.cancel-btn', 'su-1'))
    expect(wx.showModal.mock.calls[1][0]).toMatchObject({
      title: '已过取消截止时间', content: '该场次的取消截止时间已过，如需取消请联系活动主办方。', showCancel: false
    })
    expect(text(page.querySelectorAll('.signup-item')[1])).toContain('报名成功')
  })

  test('no sign-ups → an empty message', async () => {
    wxCtx.route('GET', '/api/mp/signups', [])
    const page = await openPage('signups', {}, ['onShow'])
    expect(text(page)).toContain('还没有报名记录')
  })

  test('the check-in button opens the code page for that sign-up', async () => {
    const page = await openPage('signups', {}, ['onShow'])
    await tap(byId(page, '.code-btn', 'su-1'))
    expect(wx.navigateTo.mock.calls[0][0].url).toMatch(/^\/pages\/checkin\/checkin\?id=su-1&title=/)
  })
})

describe('check-in code', () => {
  test('downloads the PNG with the bearer header and shows it with the text code', async () => {
    wxCtx.route('GET', '/api/mp/signups/su-1/checkin-code.png', 'wxfile://tmp/qr-su-1.png')
    wxCtx.route('GET', '/api/mp/signups/su-1/checkin-code', fixture('checkin-code'))
    const page = await openPage('checkin', { id: 'su-1', title: encodeURIComponent('科学荟 第一场'), child: encodeURIComponent('张小明') })
    expect(wx.downloadFile.mock.calls[0][0]).toMatchObject({
      url: config.apiBase + '/api/mp/signups/su-1/checkin-code.png', header: { Authorization: 'Bearer tok-1' }
    })
    expect(page.querySelector('.qr')).toBeTruthy()
    expect(page.data.imagePath).toBe('wxfile://tmp/qr-su-1.png')
    expect(text(page)).toContain('签到码：K7QX2M')
    expect(text(page)).toContain('张小明')
  })

  test('an expired session is renewed for the download too', async () => {
    wxCtx.route('POST', '/api/mp/login', Object.assign(fixture('login'), { token: 'tok-2' }))
    wxCtx.route('GET', '/api/mp/signups/su-1/checkin-code.png', req => (req.header.Authorization === 'Bearer tok-2'
      ? { status: 200, body: 'wxfile://tmp/qr.png' } : { status: 401, body: '' }))
    wxCtx.route('GET', '/api/mp/signups/su-1/checkin-code', fixture('checkin-code'))
    const page = await openPage('checkin', { id: 'su-1' })
    expect(wxCtx.loginCount).toBe(1)
    expect(page.querySelector('.qr')).toBeTruthy()
    expect(page.data.imagePath).toBe('wxfile://tmp/qr.png')
  })
})
