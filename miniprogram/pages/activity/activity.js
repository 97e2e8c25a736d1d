// One activity with its sessions. Public like the list; with a session token the sessions also say
// which of the parent's children are already signed up.
const api = require('../../utils/api')
const { loadInto } = require('../../utils/request')
const { sessionView } = require('../../utils/view')

function units(list) {
  return (list || []).join('、')
}

Component({
  data: { activity: null, sessions: [], state: 'loading', error: null },
  methods: {
    onLoad(query) {
      this.activityId = query.id
      return this.load()
    },
    onShow() {
      // Coming back from the sign-up page: places and the parent's status have changed.
      if (this.data.activity) this.load()
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },
    load() {
      return loadInto(this, () => api.getActivity(this.activityId).then(a => {
        this.setData({
          activity: Object.assign({}, a, {
            hostText: units(a.hostUnits),
            organiserText: units(a.organiserUnits),
            coOrganiserText: units(a.coOrganiserUnits),
            districtText: units(a.districts)
          }),
          sessions: (a.sessions || []).map(s => sessionView(s))
        })
        return a
      }))
    },
    onRetry() {
      return this.load()
    },
    signUp(e) {
      wx.navigateTo({ url: '/pages/signup/signup?sessionId=' + encodeURIComponent(e.currentTarget.dataset.id) })
    }
  }
})
