// Sign one or several children up for a session: guardian details, privacy notice and the separate
// consent for children's data, choose/add children, ask for reminder subscriptions, submit.
const api = require('../../utils/api')
const privacy = require('../../utils/privacy')
const profile = require('../../behaviors/profile')
const { loadInto, describeError, ApiError } = require('../../utils/request')
const { sessionView, signupView } = require('../../utils/view')
const { sceneParam } = require('../../utils/scene')

const RESULT_TEXT = {
  confirmed: { title: '报名成功', detail: '请按时参加。活动开始前我们会通过微信提醒您，签到码在“我的报名”里。' },
  waitlisted: { title: '已进入候补名单', detail: '有名额空出时会按顺序自动转为报名成功，并通过微信通知您。' }
}

Component({
  behaviors: [profile],
  data: {
    session: null,
    templates: [],
    selectedIds: [],
    selectedMap: {},
    takenMap: {},
    submitting: false,
    result: null,
    state: 'loading',
    error: null
  },
  methods: {
    onLoad(query) {
      // From a link or a reply: ?sessionId=; from a poster's mini-program code: the code's scene.
      this.sessionId = query.sessionId || sceneParam(query.scene, 'sessionId')
      return this.start()
    },
    start() {
      return privacy.gate(this, () => this.load())
    },
    onRetry() {
      return this.start()
    },
    load() {
      return loadInto(this, () => Promise.all([
        api.getSession(this.sessionId),
        api.getMe(),
        api.getPrivacyNotice(),
        // Reminders are a nicety: a failure here must not stop the sign-up itself.
        api.getSubscriptionTemplates().catch(() => ({ templates: [] }))
      ]).then(([session, me, notice, templates]) => {
        const takenMap = {}
        ;(session.myStatus || []).forEach(m => {
          if (m.status !== 'cancelled') takenMap[m.childId] = true
        })
        this.setMe(me)
        this.setData({ session: sessionView(session), notice, templates: templates.templates || [], takenMap })
      }))
    },
    onChildrenChange(e) {
      const selectedIds = e.detail.value.filter(id => !this.data.takenMap[id])
      const selectedMap = {}
      selectedIds.forEach(id => {
        selectedMap[id] = true
      })
      this.setData({ selectedIds, selectedMap })
    },
    // A newly added child is most likely the one the parent wants to sign up.
    onNewChild(e) {
      return this.onChildSave(e).then(child => {
        if (child && !this.data.selectedMap[child.id]) {
          this.setData({ selectedIds: this.data.selectedIds.concat([child.id]), ['selectedMap.' + child.id]: true })
        }
      })
    },
    // Runs inside the tap: wx.requestSubscribeMessage is refused by WeChat unless called from a tap
    // handler, so it is asked before anything awaits. Declining reminders never blocks the sign-up.
    askReminders() {
      const ids = this.data.templates.map(t => t.id).slice(0, 3) // WeChat accepts at most 3 per call.
      if (!ids.length || this.remindersAsked) return Promise.resolve()
      this.remindersAsked = true
      return new Promise(resolve => {
        wx.requestSubscribeMessage({
          tmplIds: ids,
          success: res => {
            const results = {}
            ids.forEach(id => {
              if (res[id]) results[id] = res[id]
            })
            api.reportSubscriptions(results).then(() => resolve(), () => resolve())
          },
          fail: () => resolve()
        })
      })
    },
    submit() {
      if (this.data.submitting) return null
      const me = this.data.me
      if (!me.guardian || !me.consent) {
        wx.showToast({ title: '请先填写监护人信息并完成同意', icon: 'none' })
        return null
      }
      if (!this.data.selectedIds.length) {
        wx.showToast({ title: '请选择要报名的孩子', icon: 'none' })
        return null
      }
      this.setData({ submitting: true })
      return this.askReminders()
        .then(() => api.signUp(this.sessionId, this.data.selectedIds))
        .then(res => this.showOutcome(res), err => this.showRefusal(err))
        .then(() => this.setData({ submitting: false }))
    },
    showOutcome(res) {
      const text = RESULT_TEXT[res.outcome] || RESULT_TEXT.confirmed
      this.setData({
        result: { kind: res.outcome, title: text.title, detail: text.detail, signups: (res.signups || []).map(signupView) }
      })
    },
    // Refusals (full, closed, out of range…) show the server's own title and detail; a network
    // failure offers to try again.
    showRefusal(err) {
      const info = describeError(err)
      const network = err instanceof ApiError && err.kind === 'network'
      this.setData({ result: { kind: network ? 'error' : 'refused', title: info.title, detail: info.detail, code: info.code, retryable: info.retryable } })
    },
    retrySubmit() {
      this.setData({ result: null })
      return this.submit()
    },
    goSignups() {
      wx.switchTab({ url: '/pages/signups/signups' })
    },
    goBack() {
      wx.navigateBack({ delta: 1 })
    }
  }
})
