// "我的" (guardian, consent, children) and "我的数据" (export view, delete everything).
const { installFakeWx, fixture, flush } = require('./helpers/fake-wx')
const { openPage, text, tap, byId } = require('./helpers/render')
const config = require('../config')

let wxCtx
beforeEach(() => {
  wxCtx = installFakeWx()
  wxCtx.storage[config.sessionStorageKey] = fixture('login')
  wxCtx.route('GET', '/api/mp/me', fixture('me'))
  wxCtx.route('GET', '/api/mp/privacy-notice', fixture('privacy-notice'))
  wxCtx.route('GET', '/api/mp/me/data', fixture('mydata'))
})

describe('profile', () => {
  test('shows the guardian\'s full phone here, the consent with its time and the children', async () => {
    const page = await openPage('me', {}, ['onShow'])
    const all = text(page)
    expect(all).toContain('13800138000')
    expect(all).toContain('已同意（版本 2024-09，2024年9月2日（周一） 10:00）')
    expect(all).toContain('张小红 · 2017-05 出生 · 柳州市公园路小学')
  })

  test('deleting a child asks first; the server\'s refusal is shown', async () => {
    wxCtx.route('DELETE', '/api/mp/children/c-1', {
      title: '孩子还有进行中的报名', status: 409, detail: '请先取消该孩子的报名，再删除。', code: 'child_has_active_signups'
    }, 409)
    wxCtx.route('DELETE', '/api/mp/children/c-2', req => ({ status: 204, body: '' }))
    const page = await openPage('me', {}, ['onShow'])
    await tap(byId(page, '.delete-child', 'c-1'))
    expect(wx.showModal.mock.calls[1][0]).toMatchObject({ title: '孩子还有进行中的报名', content: '请先取消该孩子的报名，再删除。' })
    await tap(byId(page, '.delete-child', 'c-2'))
    expect(wxCtx.calls('DELETE', '/api/mp/children/c-2')).toHaveLength(1)
    expect(page.querySelectorAll('.child-row')).toHaveLength(1)
  })

  test('editing a child sends PUT with the changed fields', async () => {
    wxCtx.route('PUT', '/api/mp/children/c-1', req => ({ status: 200, body: Object.assign({ id: 'c-1' }, req.data) }))
    const page = await openPage('me', {}, ['onShow'])
    await tap(byId(page, '.edit-child', 'c-1'))
    const form = page.querySelector('.child-form')
    form.querySelector('.grade-picker').dispatchEvent('change', { detail: { value: '4' } })
    await flush()
    await tap(form.querySelector('.save-btn'))
    expect(wxCtx.calls('PUT', '/api/mp/children/c-1')[0].data)
      .toEqual({ name: '张小明', grade: '四年级', birthYearMonth: null, school: '柳州市景行小学', gender: 'male' })
    expect(text(page.querySelectorAll('.child-row')[0])).toContain('四年级')
  })
})

describe('my data', () => {
  test('shows everything stored as readable JSON', async () => {
    const page = await openPage('mydata')
    expect(text(page.querySelector('.data-json'))).toContain('"school": "柳州市景行小学"')
  })

  test('delete asks for confirmation, erases, forgets the session and returns to browsing', async () => {
    wxCtx.route('DELETE', '/api/mp/me', '', 204)
    const page = await openPage('mydata')
    await tap(page.querySelector('.delete-btn'))
    expect(wx.showModal.mock.calls[0][0].title).toBe('删除我的全部数据')
    expect(wxCtx.calls('DELETE', '/api/mp/me')).toHaveLength(1)
    expect(wxCtx.storage[config.sessionStorageKey]).toBeUndefined()
    expect(wx.switchTab).toHaveBeenCalledWith({ url: '/pages/index/index' })
  })

  test('log out on this device asks first, ends the session on the server and forgets it here', async () => {
    wxCtx.route('POST', '/api/mp/logout', '', 204)
    const page = await openPage('mydata')
    await tap(page.querySelector('.logout-btn'))
    expect(wx.showModal.mock.calls[0][0].title).toBe('退出登录')
    expect(wxCtx.calls('POST', '/api/mp/logout')).toHaveLength(1)
    expect(wxCtx.calls('DELETE', '/api/mp/me')).toHaveLength(0)
    expect(wxCtx.storage[config.sessionStorageKey]).toBeUndefined()
    expect(wx.switchTab).toHaveBeenCalledWith({ url: '/pages/index/index' })
  })

  test('declining the confirmation deletes nothing', async () => {
    wxCtx.modalConfirm = false
    const page = await openPage('mydata')
    await tap(page.querySelector('.delete-btn'))
    expect(wxCtx.calls('DELETE', '/api/mp/me')).toHaveLength(0)
  })
})
