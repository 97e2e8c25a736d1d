// Activity list and activity detail: public pages that must work without login or privacy consent.
const { installFakeWx, fixture, flush } = require('./helpers/fake-wx')
const { openPage, text, tap } = require('./helpers/render')

let wxCtx
beforeEach(() => {
  wxCtx = installFakeWx()
  wxCtx.route('GET', '/api/activities', fixture('activities'))
  wxCtx.route('GET', '/api/activities/a-1', fixture('activity'))
})

describe('activity list', () => {
  test('renders activities with category, time, venue and places left, without logging in', async () => {
    const page = await openPage('index')
    const items = page.querySelectorAll('.activity-item')
    expect(items).toHaveLength(2)
    expect(text(items[0])).toContain('科学荟——青少年科学实验秀')
    expect(text(items[0])).toContain('主场活动')
    expect(text(items[0])).toContain('余 15 个名额')
    expect(text(items[1])).toContain('无需报名')
    expect(wx.login).not.toHaveBeenCalled()
    expect(wxCtx.calls('GET', '/api/activities')[0].query).toEqual({ page: '1', pageSize: '20' })
  })

  test('category tab, month filter and search are sent as query parameters', async () => {
    const page = await openPage('index')
    await tap(page.querySelectorAll('.tab')[2])
    expect(wxCtx.calls('GET', '/api/activities')[1].query.category).toBe('重点活动')

    page.querySelector('.month-filter').dispatchEvent('change', { detail: { value: '2' } })
    await flush()
    expect(wxCtx.calls('GET', '/api/activities')[2].query.month).toBe('2024-10')

    page.querySelector('.search-input').dispatchEvent('input', { detail: { value: ' 机器人 ' } })
    page.querySelector('.search-input').dispatchEvent('confirm', { detail: { value: ' 机器人 ' } })
    await flush()
    expect(wxCtx.calls('GET', '/api/activities')[3].query).toMatchObject({ q: '机器人', month: '2024-10', category: '重点活动' })
  })

  test('no result → an empty message', async () => {
    wxCtx.route('GET', '/api/activities', { items: [], total: 0, page: 1, pageSize: 20 })
    const page = await openPage('index')
    expect(text(page)).toContain('没有找到符合条件的活动')
  })

  test('network failure → "网络不给力" with a retry that reloads', async () => {
    wxCtx.offline = true
    const page = await openPage('index')
    expect(text(page)).toContain('网络不给力，请检查网络后重试')
    wxCtx.offline = false
    await tap(page.querySelector('.page-state').querySelector('.retry-btn'))
    expect(page.querySelectorAll('.activity-item')).toHaveLength(2)
  })

  test('tapping an activity opens its detail page', async () => {
    const page = await openPage('index')
    await tap(page.querySelector('.activity-item'))
    expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/activity/activity?id=a-1' })
  })
})

describe('activity detail', () => {
  test('shows units and sessions with Shanghai times, places, waiting list and my status', async () => {
    const page = await openPage('activity', { id: 'a-1' })
    const all = text(page)
    expect(all).toContain('主办：柳州市科学技术协会、柳州市教育局')
    expect(all).toContain('协办：柳州市青少年活动中心')
    const sessions = page.querySelectorAll('.session')
    expect(sessions).toHaveLength(3)
    expect(text(sessions[0])).toContain('09:30–11:30')
    expect(text(sessions[0])).toContain('余 12 个名额（共 60 个）')
    expect(text(sessions[0])).toContain('我的报名：报名成功')
    expect(text(sessions[0])).toContain('适合年级：一年级 至 六年级')
    expect(text(sessions[1])).toContain('名额已满，可排候补（已有 4 人候补）')
    expect(text(sessions[1])).toContain('排候补')
    expect(text(sessions[2])).toContain('本场已取消')
    expect(sessions[2].querySelector('.signup-btn')).toBeFalsy()
  })

  test('the sign-up button opens the sign-up page for that session', async () => {
    const page = await openPage('activity', { id: 'a-1' })
    await tap(page.querySelectorAll('.signup-btn')[1])
    expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/signup/signup?sessionId=s-102' })
  })

  test('a server error is shown with its ProblemDetails title', async () => {
    wxCtx.route('GET', '/api/activities/zz', { title: '活动不存在', status: 404, detail: '该活动已下线。', code: 'not_found' }, 404)
    const page = await openPage('activity', { id: 'zz' })
    expect(text(page)).toContain('活动不存在')
    expect(text(page)).toContain('该活动已下线。')
  })
})
