// Activity catalogue: public, so it works before login and when the parent declined the privacy guide.
const api = require('../../utils/api')
const { loadInto, showError } = require('../../utils/request')
const { CATEGORIES, activityPlacesText } = require('../../utils/view')

const PAGE_SIZE = 20
// The 2024 campaign runs September to December (see the city's plan); the filter offers those months.
const MONTHS = [
  { value: '', text: '全部月份' },
  { value: '2024-09', text: '2024年9月' },
  { value: '2024-10', text: '2024年10月' },
  { value: '2024-11', text: '2024年11月' },
  { value: '2024-12', text: '2024年12月' }
]

function activityView(a) {
  return {
    id: a.id,
    title: a.title,
    category: a.category,
    timeText: a.timeText,
    venue: a.venue,
    placesText: activityPlacesText(a)
  }
}

Component({
  data: {
    tabs: ['全部'].concat(CATEGORIES),
    tab: 0,
    months: MONTHS,
    monthTexts: MONTHS.map(m => m.text),
    monthIndex: 0,
    q: '',
    items: [],
    total: 0,
    page: 1,
    loadingMore: false,
    loadMoreText: '',
    state: 'loading',
    error: null
  },
  methods: {
    onLoad() {
      return this.reload()
    },
    onPullDownRefresh() {
      return this.reload().then(() => wx.stopPullDownRefresh())
    },
    onReachBottom() {
      if (this.data.loadingMore || this.data.items.length >= this.data.total) return null
      this.setData({ loadingMore: true, loadMoreText: '加载中…' })
      const done = () => this.setData({ loadingMore: false })
      return this.fetch(this.data.page + 1).then(done, err => {
        done()
        showError(err)
      })
    },
    query(page) {
      return {
        category: this.data.tab > 0 ? CATEGORIES[this.data.tab - 1] : '',
        month: MONTHS[this.data.monthIndex].value,
        q: this.data.q.trim(),
        page,
        pageSize: PAGE_SIZE
      }
    },
    fetch(page) {
      return api.listActivities(this.query(page)).then(res => {
        const items = (res.items || []).map(activityView)
        const all = page === 1 ? items : this.data.items.concat(items)
        const total = res.total || 0
        this.setData({ items: all, total, page, loadMoreText: all.length < total ? '上拉加载更多' : '没有更多活动了' })
        return res
      })
    },
    reload() {
      return loadInto(this, () => this.fetch(1), res => !res.items || res.items.length === 0)
    },
    onTab(e) {
      this.setData({ tab: Number(e.currentTarget.dataset.index) })
      return this.reload()
    },
    onMonth(e) {
      this.setData({ monthIndex: Number(e.detail.value) })
      return this.reload()
    },
    onSearchInput(e) {
      this.setData({ q: e.detail.value })
    },
    onSearch() {
      return this.reload()
    },
    onRetry() {
      return this.reload()
    },
    openActivity(e) {
      wx.navigateTo({ url: '/pages/activity/activity?id=' + encodeURIComponent(e.currentTarget.dataset.id) })
    }
  }
})
