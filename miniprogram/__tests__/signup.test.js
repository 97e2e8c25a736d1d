// Sign-up page: guardian, consent, children, reminder subscriptions, then the server's outcome.
const { installFakeWx, fixture, flush } = require('./helpers/fake-wx')
const { openPage, text, tap } = require('./helpers/render')
const config = require('../config')

let wxCtx
beforeEach(() => {
  wxCtx = installFakeWx()
  wxCtx.storage[config.sessionStorageKey] = fixture('login')
  wxCtx.route('GET', '/api/mp/sessions/s-101', fixture('session'))
  wxCtx.route('GET', '/api/mp/me', fixture('me'))
  wxCtx.route('GET', '/api/mp/privacy-notice', fixture('privacy-notice'))
  wxCtx.route('GET', '/api/mp/subscriptions/templates', fixture('templates'))
  wxCtx.route('POST', '/api/mp/subscriptions', fixture('subscriptions'))
})

async function chooseChild(page, ids) {
  page.querySelector('.children-group').dispatchEvent('change', { detail: { value: ids } })
  await flush()
}

describe('sign-up', () => {
  test('shows the session and the parent\'s children', async () => {
    const page = await openPage('signup', { sessionId: 's-101' })
    const all = text(page)
    expect(all).toContain('科学荟——青少年科学实验秀 · 第一场（上午）')
    expect(all).toContain('余 12 个名额')
    expect(all).toContain('张三 138****8000')
    expect(all).toContain('张小明 · 三年级 · 柳州市景行小学')
    expect(all).toContain('已同意（隐私说明版本 2024-09）')
  })

  test('asks for the reminder templates, reports the answer, submits the chosen children → confirmed', async () => {
    wxCtx.subscribeAnswer = { 'tmpl-remind': 'accept', 'tmpl-promoted': 'accept', 'tmpl-cancelled': 'reject' }
    wxCtx.route('POST', '/api/mp/sessions/s-101/signups', fixture('signup-confirmed'), 201)
    const page = await openPage('signup', { sessionId: 's-101' })
    await chooseChild(page, ['c-2'])
    await tap(page.querySelector('.submit-btn'))

    expect(wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual(['tmpl-remind', 'tmpl-promoted', 'tmpl-cancelled'])
    expect(wxCtx.calls('POST', '/api/mp/subscriptions')[0].data)
      .toEqual({ results: { 'tmpl-remind': 'accept', 'tmpl-promoted': 'accept', 'tmpl-cancelled': 'reject' } })
    const post = wxCtx.calls('POST', '/api/mp/sessions/s-101/signups')[0]
    expect(post.data).toEqual({ childIds: ['c-2'] })
    expect(post.header.Authorization).toBe('Bearer tok-1')
    // The subscription question comes before the sign-up request.
    expect(wxCtx.requests.indexOf(post)).toBeGreaterThan(wxCtx.requests.indexOf(wxCtx.calls('POST', '/api/mp/subscriptions')[0]))
    expect(text(page.querySelector('.result'))).toContain('报名成功')
    expect(text(page.querySelector('.result'))).toContain('张小红：报名成功')
  })

  test('opened from a poster\'s mini-program code, reads the session from the code\'s scene', async () => {
    const page = await openPage('signup', { scene: encodeURIComponent('sessionId=s-101&c=7') })
    expect(wxCtx.calls('GET', '/api/mp/sessions/s-101').length).toBe(1)
    expect(text(page)).toContain('科学荟——青少年科学实验秀 · 第一场（上午）')
  })

  test('full session → waitlisted with the position', async () => {
    wxCtx.route('POST', '/api/mp/sessions/s-101/signups', fixture('signup-waitlisted'), 201)
    const page = await openPage('signup', { sessionId: 's-101' })
    await chooseChild(page, ['c-2'])
    await tap(page.querySelector('.submit-btn'))
    const result = text(page.querySelector('.result'))
    expect(result).toContain('已进入候补名单')
    expect(result).toContain('张小红：候补第 5 位')
  })

  test('refused → the server\'s own title and reason', async () => {
    wxCtx.route('POST', '/api/mp/sessions/s-101/signups', fixture('problem-session-full'), 409)
    const page = await openPage('signup', { sessionId: 's-101' })
    await chooseChild(page, ['c-1', 'c-2'])
    await tap(page.querySelector('.submit-btn'))
    expect(wxCtx.calls('POST', '/api/mp/sessions/s-101/signups')[0].data).toEqual({ childIds: ['c-1', 'c-2'] })
    const result = text(page.querySelector('.result'))
    expect(result).toContain('名额已满')
    expect(result).toContain('该场次名额已满，且候补名单也已满。')
  })

  test('declining reminders still signs up', async () => {
    wx.requestSubscribeMessage.mockImplementation(opts => Promise.resolve().then(() => opts.fail({ errMsg: 'requestSubscribeMessage:fail cancel', errCode: 20004 })))
    wxCtx.route('POST', '/api/mp/sessions/s-101/signups', fixture('signup-confirmed'), 201)
    const page = await openPage('signup', { sessionId: 's-101' })
    await chooseChild(page, ['c-2'])
    await tap(page.querySelector('.submit-btn'))
    expect(wxCtx.calls('POST', '/api/mp/subscriptions')).toHaveLength(0)
    expect(text(page.querySelector('.result'))).toContain('报名成功')
  })

  test('network failure on submit → retry message; retrying submits again without asking for reminders twice', async () => {
    wxCtx.route('POST', '/api/mp/sessions/s-101/signups', fixture('signup-confirmed'), 201)
    const page = await openPage('signup', { sessionId: 's-101' })
    await chooseChild(page, ['c-2'])
    wxCtx.offline = true
    await tap(page.querySelector('.submit-btn'))
    expect(text(page.querySelector('.result'))).toContain('网络不给力，请检查网络后重试')
    wxCtx.offline = false
    await tap(page.querySelector('.retry-submit'))
    expect(text(page.querySelector('.result'))).toContain('报名成功')
    expect(wx.requestSubscribeMessage).toHaveBeenCalledTimes(1)
  })

  test('a new parent: guardian, separate consent for the child\'s data, add a child, then sign up', async () => {
    const me = fixture('me-empty')
    wxCtx.route('GET', '/api/mp/me', me)
    wxCtx.route('PUT', '/api/mp/me/guardian', req => ({
      status: 200, body: Object.assign({}, me, { guardian: { name: req.data.name, phone: req.data.phone, phoneMasked: '139****1234' } })
    }))
    wxCtx.route('POST', '/api/mp/me/consent', { version: '2024-09', consentedAt: '2024-09-10T02:00:00Z' })
    wxCtx.route('POST', '/api/mp/children', req => ({ status: 201, body: Object.assign({ id: 'c-new' }, req.data) }))
    wxCtx.route('POST', '/api/mp/sessions/s-101/signups', fixture('signup-confirmed'), 201)
    const page = await openPage('signup', { sessionId: 's-101' })
    await tap(page.querySelector('.submit-btn'))
    expect(wx.showToast).toHaveBeenCalledWith({ title: '请先填写监护人信息并完成同意', icon: 'none' })

    const guardian = page.querySelector('.guardian-form')
    guardian.querySelector('.guardian-name').dispatchEvent('input', { detail: { value: '李四' } })
    guardian.querySelector('.guardian-phone').dispatchEvent('input', { detail: { value: '13912341234' } })
    await flush()
    await tap(guardian.querySelector('.save-btn'))
    expect(wxCtx.calls('PUT', '/api/mp/me/guardian')[0].data).toEqual({ name: '李四', phone: '13912341234' })
    expect(text(page)).toContain('李四 139****1234')

    // Adding a child before consenting is stopped on the phone, as the server would refuse it.
    await tap(page.querySelector('.add-child'))
    expect(wx.showToast).toHaveBeenCalledWith({ title: '请先同意儿童个人信息处理', icon: 'none' })

    const consent = page.querySelector('.consent-form')
    consent.querySelector('.consent-boxes').dispatchEvent('change', { detail: { value: ['read'] } })
    await tap(consent.querySelector('.consent-btn'))
    expect(wxCtx.calls('POST', '/api/mp/me/consent')).toHaveLength(0) // both boxes are required
    consent.querySelector('.consent-boxes').dispatchEvent('change', { detail: { value: ['read', 'children'] } })
    await tap(consent.querySelector('.consent-btn'))
    expect(wxCtx.calls('POST', '/api/mp/me/consent')[0].data).toEqual({ privacyNoticeVersion: '2024-09', agreed: true })

    await tap(page.querySelector('.add-child'))
    const form = page.querySelector('.child-form')
    form.querySelector('.name-input').dispatchEvent('input', { detail: { value: '李小华' } })
    form.querySelector('.grade-picker').dispatchEvent('change', { detail: { value: '3' } })
    form.querySelector('.school-input').dispatchEvent('input', { detail: { value: '柳州市景行小学' } })
    await flush()
    await tap(form.querySelector('.save-btn'))
    expect(wxCtx.calls('POST', '/api/mp/children')[0].data)
      .toEqual({ name: '李小华', grade: '三年级', birthYearMonth: null, school: '柳州市景行小学', gender: null })

    await tap(page.querySelector('.submit-btn'))
    expect(wxCtx.calls('POST', '/api/mp/sessions/s-101/signups')[0].data).toEqual({ childIds: ['c-new'] })
  })

  test('a child already signed up for this session cannot be chosen again', async () => {
    wxCtx.route('GET', '/api/mp/sessions/s-101', Object.assign(fixture('session'), {
      myStatus: [{ childId: 'c-1', signupId: 'su-1', status: 'confirmed', waitlistPosition: null }]
    }))
    const page = await openPage('signup', { sessionId: 's-101' })
    expect(text(page.querySelectorAll('.child-option')[0])).toContain('已报名本场')
    await chooseChild(page, ['c-1', 'c-2'])
    expect(page.instance.data.selectedIds).toEqual(['c-2'])
  })
})
