// The 隐私保护指引 question. The agree button must be a real <button open-type="agreePrivacyAuthorization">
// so that WeChat itself records the agreement; we then resolve the pending request with its id.
const privacy = require('../../utils/privacy')

Component({
  options: { addGlobalClass: true },
  data: { show: false },
  lifetimes: {
    attached() {
      this.unsubscribe = privacy.subscribe(() => this.setData({ show: true }))
    },
    detached() {
      if (this.unsubscribe) this.unsubscribe()
    }
  },
  methods: {
    openContract() {
      if (typeof wx.openPrivacyContract === 'function') wx.openPrivacyContract({})
    },
    onAgree(e) {
      this.setData({ show: false })
      privacy.agree((e && e.currentTarget && e.currentTarget.id) || 'privacy-agree')
      this.triggerEvent('agreed')
    },
    onDecline() {
      this.setData({ show: false })
      privacy.decline()
      this.triggerEvent('declined')
    }
  }
})
