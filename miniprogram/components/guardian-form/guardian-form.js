// Guardian name and mobile number; validates like the server (mainland mobile, 11 digits, 1[3-9])
// so the parent sees the problem before a round-trip.
Component({
  options: { addGlobalClass: true },
  properties: {
    guardian: { type: Object, value: null }
  },
  data: { name: '', phone: '', error: '' },
  observers: {
    guardian(g) {
      this.setData({ name: (g && g.name) || '', phone: (g && g.phone) || '', error: '' })
    }
  },
  methods: {
    onInput(e) {
      this.setData({ [e.currentTarget.dataset.field]: e.detail.value })
    },
    submit() {
      const name = this.data.name.trim()
      const phone = this.data.phone.trim()
      let error = ''
      if (!name) error = '请填写监护人姓名'
      else if (!/^1[3-9]\d{9}$/.test(phone)) error = '请填写正确的 11 位手机号'
      this.setData({ error })
      if (!error) this.triggerEvent('save', { name, phone })
    },
    cancel() {
      this.triggerEvent('cancel')
    }
  }
})
