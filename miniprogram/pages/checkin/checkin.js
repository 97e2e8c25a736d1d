// Check-in QR code to show at the venue. The PNG endpoint needs the bearer header, which an <image>
// cannot send, so it is downloaded through the request wrapper (same 401 renewal) to a temp file.
const api = require('../../utils/api')
const privacy = require('../../utils/privacy')
const { loadInto } = require('../../utils/request')

Component({
  data: { imagePath: '', code: '', title: '', child: '', state: 'loading', error: null },
  methods: {
    onLoad(query) {
      this.signupId = query.id
      this.setData({ title: query.title ? decodeURIComponent(query.title) : '', child: query.child ? decodeURIComponent(query.child) : '' })
      return this.start()
    },
    start() {
      return privacy.gate(this, () => loadInto(this, () => Promise.all([
        api.downloadCheckinPng(this.signupId),
        // The text code lets staff type it in when a scanner fails; optional for the page.
        api.getCheckinCode(this.signupId).catch(() => ({ code: '' }))
      ]).then(([imagePath, res]) => {
        this.setData({ imagePath, code: res.code || '' })
      })))
    },
    onRetry() {
      return this.start()
    }
  }
})
