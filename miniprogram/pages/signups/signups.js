// The parent's sign-ups, newest first: status, waiting-list position, cancel, check-in code.
const api = require('../../utils/api')
const privacy = require('../../utils/privacy')
const { loadInto, showError } = require('../../utils/request')
const { signupView } = require('../../utils/view')
const { confirmAction } = require('../../utils/confirm')

Component({
  data: { items: [], state: 'loading', error: null },
  methods: {
    onShow() {
      // A tab page: refresh every time, a promotion from the waiting list may have happened meanwhile.
      return this.start()
    },
    onPullDownRefresh() {
      return this.start().then(() => wx.stopPullDownRefresh())
    },
    start() {
      return privacy.gate(this, () => loadInto(this, () => api.listSignups().then(list => {
        this.setData({ items: list.map(signupView) })
        return list
      }), list => list.length === 0))
    },
    onRetry() {
      return this.start()
    },
    findItem(id) {
      return this.data.items.find(s => s.id === id)
    },
    cancel(e) {
      const item = this.findItem(e.currentTarget.dataset.id)
      if (!item) return Promise.resolve()
      return confirmAction({
        title: '确认取消报名',
        content: '确定取消' + item.childName + '报名的“' + item.session.activityTitle + ' ' + item.session.title + '”吗？取消后名额会让给候补的家庭。',
        confirmText: '确认取消'
      }).then(confirmed => {
        if (!confirmed) return null
        return api.cancelSignup(item.id).then(updated => {
          this.setData({ items: this.data.items.map(s => (s.id === updated.id ? signupView(updated) : s)) })
          wx.showToast({ title: '已取消报名', icon: 'success' })
        }, showError)
      })
    },
    showCode(e) {
      const item = this.findItem(e.currentTarget.dataset.id)
      if (!item) return
      wx.navigateTo({
        url: '/pages/checkin/checkin?id=' + encodeURIComponent(item.id) +
          '&title=' + encodeURIComponent(item.session.activityTitle + ' ' + item.session.title) +
          '&child=' + encodeURIComponent(item.childName)
      })
    }
  }
})
