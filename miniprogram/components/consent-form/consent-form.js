// The privacy notice plus the SEPARATE consent for a child's data (PIPL art. 31: processing the data of
// a child under 14 needs the guardian's own consent, not just acceptance of a general policy).
// Both boxes start unticked; nothing is pre-agreed for the parent.
Component({
  options: { addGlobalClass: true },
  properties: {
    notice: { type: Object, value: null }
  },
  data: { read: false, children: false, error: '' },
  methods: {
    onChange(e) {
      const values = e.detail.value || []
      this.setData({ read: values.indexOf('read') >= 0, children: values.indexOf('children') >= 0, error: '' })
    },
    submit() {
      if (!this.data.read || !this.data.children) {
        this.setData({ error: '请先阅读隐私说明，并勾选两项同意' })
        return
      }
      this.triggerEvent('agree', { version: this.data.notice && this.data.notice.version })
    }
  }
})
