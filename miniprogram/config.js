// The one place that says where the backend lives. In development the WeChat simulator talks to the
// local server; a release build changes only this file (the domain must also be listed as a
// "request 合法域名" in the mini-program console).
module.exports = {
  apiBase: 'http://127.0.0.1:5080',
  // Request timeout in ms; WeChat's own default (60 s) is far too long for a parent waiting on a page.
  timeout: 15000,
  // Key under which the backend session is kept in wx storage.
  sessionStorageKey: 'kepu.session'
}
