// WeChat's 隐私保护指引 flow: asked only for sign-up / profile features; declining keeps browsing working.
const { installFakeWx, fixture } = require('./helpers/fake-wx')
const { openPage, text, tap } = require('./helpers/render')

let wxCtx
beforeEach(() => {
  wxCtx = installFakeWx()
  wxCtx.privacyAgreed = false
  wxCtx.route('POST', '/api/mp/login', fixture('login'))
  wxCtx.route('GET', '/api/activities', fixture('activities'))
  wxCtx.route('GET', '/api/mp/sessions/s-101', fixture('session'))
  wxCtx.route('GET', '/api/mp/me', fixture('me'))
  wxCtx.route('GET', '/api/mp/privacy-notice', fixture('privacy-notice'))
  wxCtx.route('GET', '/api/mp/subscriptions/templates', fixture('templates'))
})

describe('privacy authorization', () => {
  test('browsing never asks', async () => {
    const page = await openPage('index')
    expect(wx.requirePrivacyAuthorize).not.toHaveBeenCalled()
    expect(page.querySelectorAll('.activity-item')).toHaveLength(2)
  })

  test('the sign-up page asks with the popup; agreeing resolves with the button id and loads', async () => {
    const page = await openPage('signup', { sessionId: 's-101' })
    const popup = page.querySelector('.privacy')
    expect(text(popup)).toContain('《隐私保护指引》')
    expect(wxCtx.requests).toHaveLength(0) // nothing personal is fetched before the answer
    popup.querySelector('.privacy-agree').dispatchEvent('agreeprivacyauthorization', { detail: {} })
    await tap(popup.querySelector('.privacy-panel')) // settles the event queue
    expect(wxCtx.privacyResolution).toEqual({ buttonId: 'privacy-agree', event: 'agree' })
    expect(text(page)).toContain('张小明')
  })

  test('declining keeps the app usable: the page explains, and browsing still works', async () => {
    const page = await openPage('signup', { sessionId: 's-101' })
    await tap(page.querySelector('.privacy').querySelector('.privacy-decline'))
    expect(text(page)).toContain('需要您同意隐私保护指引')
    expect(wxCtx.requests).toHaveLength(0)
    await tap(page.querySelector('.page-state').querySelector('.browse-btn'))
    expect(wx.switchTab).toHaveBeenCalledWith({ url: '/pages/index/index' })

    const list = await openPage('index')
    expect(list.querySelectorAll('.activity-item')).toHaveLength(2)
  })

  test('after declining, "查看并同意" asks again', async () => {
    const page = await openPage('signup', { sessionId: 's-101' })
    await tap(page.querySelector('.privacy').querySelector('.privacy-decline'))
    await tap(page.querySelector('.page-state').querySelector('.retry-btn'))
    expect(wx.requirePrivacyAuthorize).toHaveBeenCalledTimes(2)
    expect(text(page.querySelector('.privacy'))).toContain('同意并继续')
  })
})
