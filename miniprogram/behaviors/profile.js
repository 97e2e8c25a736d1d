// Guardian / consent / children editing shared by the sign-up page and "我的". The page keeps the
// `me` answer of GET /api/mp/me in data.me and the privacy notice in data.notice.
const api = require('../utils/api')
const auth = require('../utils/auth')
const { showError } = require('../utils/request')
const { childText } = require('../utils/view')

// The server allows 5 children per guardian (409 too_many_children beyond); hide the add button then.
const MAX_CHILDREN = 5

function withChildTexts(me) {
  const children = (me.children || []).map(c => Object.assign({}, c, { text: childText(c) }))
  return Object.assign({}, me, { children, canAddChild: children.length < MAX_CHILDREN })
}

module.exports = Behavior({
  data: { me: null, notice: null, editingGuardian: false, editingChild: null, addingChild: false },
  methods: {
    setMe(me) {
      this.setData({ me: withChildTexts(me) })
    },
    editGuardian() {
      this.setData({ editingGuardian: true })
    },
    cancelGuardian() {
      this.setData({ editingGuardian: false })
    },
    onGuardianSave(e) {
      return api.saveGuardian(e.detail).then(me => {
        this.setMe(me)
        this.setData({ editingGuardian: false })
        auth.updateSession({ hasProfile: true })
      }, showError)
    },
    onConsent(e) {
      const version = e.detail.version || (this.data.notice && this.data.notice.version)
      return api.giveConsent(version).then(consent => {
        this.setData({ 'me.consent': consent })
        auth.updateSession({ hasConsent: true })
      }, showError)
    },
    addChild() {
      // The server would refuse with consent_required; say it before the parent types everything.
      if (!this.data.me || !this.data.me.consent) {
        wx.showToast({ title: '请先同意儿童个人信息处理', icon: 'none' })
        return
      }
      this.setData({ addingChild: true, editingChild: null })
    },
    editChild(e) {
      const child = this.data.me.children.find(c => c.id === e.currentTarget.dataset.id)
      this.setData({ editingChild: child || null, addingChild: !!child })
    },
    cancelChild() {
      this.setData({ addingChild: false, editingChild: null })
    },
    // Resolves with the saved child (or undefined after an error was shown).
    onChildSave(e) {
      const editing = this.data.editingChild
      const save = editing ? api.updateChild(editing.id, e.detail) : api.addChild(e.detail)
      return save.then(child => {
        const others = this.data.me.children.filter(c => c.id !== child.id)
        const children = editing
          ? this.data.me.children.map(c => (c.id === child.id ? child : c))
          : others.concat([child])
        this.setMe(Object.assign({}, this.data.me, { children }))
        this.setData({ addingChild: false, editingChild: null })
        return child
      }, showError)
    }
  }
})
