// Loading / empty / error / privacy-declined placeholder shared by every page that loads data; the
// page shows its own content only when state is "ready".
Component({
  options: { addGlobalClass: true },
  properties: {
    state: { type: String, value: 'loading' },
    error: { type: Object, value: null },
    emptyText: { type: String, value: '暂无内容' }
  },
  methods: {
    retry() {
      this.triggerEvent('retry')
    },
    browse() {
      wx.switchTab({ url: '/pages/index/index' })
    }
  }
})
