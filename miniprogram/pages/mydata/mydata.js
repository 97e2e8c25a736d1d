// Everything stored about the guardian and their children (export view), logging out on this device,
// and erasing it all.
const api = require('../../utils/api')
const auth = require('../../utils/auth')
const privacy = require('../../utils/privacy')
const { loadInto, showError } = require('../../utils/request')
const { confirmAction } = require('../../utils/confirm')

Component({
  data: { json: '', state: 'loading', error: null },
  methods: {
    onLoad() {
      return this.start()
    },
    start() {
      return privacy.gate(this, () => loadInto(this, () => api.getMyData().then(data => {
        this.setData({ json: JSON.stringify(data, null, 2) })
      })))
    },
    onRetry() {
      return this.start()
    },
    copy() {
      wx.setClipboardData({ data: this.data.json })
    },
    logout() {
      return confirmAction({
        title: '退出登录',
        content: '将在此设备上退出登录，您的数据不受影响。确定退出吗？',
        confirmText: '退出'
      }).then(confirmed => {
        if (!confirmed) return null
        return api.logout().then(() => {
          auth.clear()
          wx.showToast({ title: '已退出', icon: 'success' })
          wx.switchTab({ url: '/pages/index/index' })
        }, showError)
      })
    },
    deleteAll() {
      return confirmAction({
        title: '删除我的全部数据',
        content: '将删除您的监护人信息、孩子信息和全部报名记录（进行中的报名会一并取消），且无法恢复。确定删除吗？',
        confirmText: '确认删除',
        danger: true
      }).then(confirmed => {
        if (!confirmed) return null
        return api.deleteMe().then(() => {
          // The server erased the session's guardian; start afresh on the next visit.
          auth.clear()
          wx.showToast({ title: '已删除', icon: 'success' })
          wx.switchTab({ url: '/pages/index/index' })
        }, showError)
      })
    }
  }
})
