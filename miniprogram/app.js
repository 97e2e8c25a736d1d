const privacy = require('./utils/privacy')

App({
  onLaunch() {
    // Registered once for the whole app; each privacy-gated page carries the popup that answers it.
    privacy.install()
  }
})
