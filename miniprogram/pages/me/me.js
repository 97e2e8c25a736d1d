// Guardian profile, consent and children. The guardian's own full phone number is shown only here.
const api = require('../../utils/api')
const privacy = require('../../utils/privacy')
const profile = require('../../behaviors/profile')
const { loadInto, showError } = require('../../utils/request')
const time = require('../../utils/time')
const { confirmAction } = require('../../utils/confirm')

Component({
  behaviors: [profile],
  data: { consentText: '', state: 'loading', error: null },
  observers: {
    'me.consent'(consent) {
      this.setData({ consentText: consent ? '已同意（版本 ' + consent.version + '，' + time.formatDateTime(consent.consentedAt) + '）' : '' })
    }
  },
  methods: {
    onShow() {
      return this.start()
    },
    start() {
      return privacy.gate(this, () => loadInto(this, () => Promise.all([api.getMe(), api.getPrivacyNotice()])
        .then(([me, notice]) => {
          this.setMe(me)
          this.setData({ notice })
        })))
    },
    onRetry() {
      return this.start()
    },
    removeChild(e) {
      const child = this.data.me.children.find(c => c.id === e.currentTarget.dataset.id)
      if (!child) return Promise.resolve()
      return confirmAction({
        title: '删除孩子信息',
        content: '确定删除' + child.name + '的信息吗？删除后无法恢复。',
        confirmText: '删除',
        danger: true
      }).then(confirmed => {
        if (!confirmed) return null
        return api.deleteChild(child.id).then(() => {
          this.setMe(Object.assign({}, this.data.me, { children: this.data.me.children.filter(c => c.id !== child.id) }))
        }, showError)
      })
    },
    openMyData() {
      wx.navigateTo({ url: '/pages/mydata/mydata' })
    }
  }
})
