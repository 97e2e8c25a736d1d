// One function per endpoint of docs/api-mp.md, so pages never spell URLs themselves.
const { request, download } = require('./request')

const enc = encodeURIComponent

module.exports = {
  // Public catalogue; the token is sent when we have one so sessions carry the parent's own status.
  listActivities: query => request({ path: '/api/activities', query, auth: 'optional' }),
  getActivity: id => request({ path: '/api/activities/' + enc(id), auth: 'optional' }),
  getPrivacyNotice: () => request({ path: '/api/mp/privacy-notice', auth: 'none' }),

  listSessions: query => request({ path: '/api/mp/sessions', query }),
  getSession: id => request({ path: '/api/mp/sessions/' + enc(id) }),

  getMe: () => request({ path: '/api/mp/me' }),
  saveGuardian: guardian => request({ path: '/api/mp/me/guardian', method: 'PUT', data: guardian, loading: '保存中' }),
  giveConsent: version => request({
    path: '/api/mp/me/consent', method: 'POST', data: { privacyNoticeVersion: version, agreed: true }, loading: '保存中'
  }),
  getMyData: () => request({ path: '/api/mp/me/data' }),
  deleteMe: () => request({ path: '/api/mp/me', method: 'DELETE', loading: '正在删除' }),
  // Ends this device's session only; the parent's data and other devices stay as they are.
  logout: () => request({ path: '/api/mp/logout', method: 'POST', loading: '正在退出' }),

  listChildren: () => request({ path: '/api/mp/children' }),
  addChild: child => request({ path: '/api/mp/children', method: 'POST', data: child, loading: '保存中' }),
  updateChild: (id, child) => request({ path: '/api/mp/children/' + enc(id), method: 'PUT', data: child, loading: '保存中' }),
  deleteChild: id => request({ path: '/api/mp/children/' + enc(id), method: 'DELETE', loading: '正在删除' }),

  signUp: (sessionId, childIds) => request({
    path: '/api/mp/sessions/' + enc(sessionId) + '/signups', method: 'POST', data: { childIds }, loading: '正在提交'
  }),
  listSignups: () => request({ path: '/api/mp/signups' }),
  cancelSignup: id => request({ path: '/api/mp/signups/' + enc(id), method: 'DELETE', loading: '正在取消' }),
  getCheckinCode: id => request({ path: '/api/mp/signups/' + enc(id) + '/checkin-code' }),
  // The QR code PNG needs the bearer header, which <image src> cannot send, hence a download.
  downloadCheckinPng: id => download({ path: '/api/mp/signups/' + enc(id) + '/checkin-code.png' }),

  getSubscriptionTemplates: () => request({ path: '/api/mp/subscriptions/templates' }),
  reportSubscriptions: results => request({ path: '/api/mp/subscriptions', method: 'POST', data: { results } })
}
