// Turns API objects into the short Chinese texts the pages show. Kept apart from the pages so the
// same wording is used on the activity page, the sign-up page and "我的报名".
const time = require('./time')

const GRADES = ['幼儿园', '一年级', '二年级', '三年级', '四年级', '五年级', '六年级', '七年级', '八年级', '九年级', '高一', '高二', '高三']
const CATEGORIES = ['主场活动', '重点活动', '各单位特色活动', '系列联合行动']

const SIGNUP_STATUS = {
  confirmed: '报名成功',
  waitlisted: '候补中',
  cancelled: '已取消',
  checked_in: '已签到'
}

function signupStatusText(status, waitlistPosition) {
  if (status === 'waitlisted' && waitlistPosition) return '候补第 ' + waitlistPosition + ' 位'
  return SIGNUP_STATUS[status] || status
}

function hasWaitlistRoom(s) {
  return (s.waitlistCapacity || 0) > (s.waitlistLength || 0)
}

function placesText(s) {
  if (s.status === 'cancelled') return '本场已取消'
  if (s.status === 'closed') return '报名已结束'
  if (s.placesLeft > 0) return '余 ' + s.placesLeft + ' 个名额（共 ' + s.capacity + ' 个）'
  if (hasWaitlistRoom(s)) return '名额已满，可排候补（已有 ' + (s.waitlistLength || 0) + ' 人候补）'
  return '名额已满'
}

function audienceText(s) {
  if (s.minGrade || s.maxGrade) return '适合年级：' + (s.minGrade || GRADES[0]) + ' 至 ' + (s.maxGrade || GRADES[GRADES.length - 1])
  if (s.minAge || s.maxAge) {
    if (s.minAge && s.maxAge) return '适合年龄：' + s.minAge + '–' + s.maxAge + ' 岁'
    return s.minAge ? '适合年龄：' + s.minAge + ' 岁以上' : '适合年龄：' + s.maxAge + ' 岁以下'
  }
  return ''
}

// The server decides; this only hides a button that would certainly be refused.
function signupState(s, now) {
  if (s.status !== 'open') return { can: false, reason: s.status === 'cancelled' ? '本场已取消' : '报名已结束' }
  if (s.signupOpensAt && !time.isPast(s.signupOpensAt, now)) return { can: false, reason: time.formatDateTime(s.signupOpensAt) + ' 开始报名' }
  if (s.signupClosesAt && time.isPast(s.signupClosesAt, now)) return { can: false, reason: '报名已截止' }
  if (s.placesLeft <= 0 && !hasWaitlistRoom(s)) return { can: false, reason: '名额已满' }
  return { can: true, reason: '', waitlist: s.placesLeft <= 0 }
}

function sessionView(s, now) {
  const state = signupState(s, now)
  return Object.assign({}, s, {
    timeText: time.formatRange(s.startsAt, s.endsAt),
    placesText: placesText(s),
    audienceText: audienceText(s),
    windowText: s.signupClosesAt ? '报名截止：' + time.formatDateTime(s.signupClosesAt) : '',
    canSignUp: state.can,
    joinsWaitlist: !!state.waitlist,
    blockedReason: state.reason,
    myStatusText: (s.myStatus || []).filter(m => m.status !== 'cancelled')
      .map(m => signupStatusText(m.status, m.waitlistPosition)).join('、')
  })
}

// Sum of places over the sessions the list answer carries; null when there is nothing to count.
function activityPlacesText(a) {
  if (!a.acceptsSignups) return '无需报名，欢迎参加'
  const open = (a.sessions || []).filter(s => s.status === 'open')
  if (!open.length) return (a.sessions || []).length ? '报名已结束' : '可报名'
  const left = open.reduce((sum, s) => sum + Math.max(0, s.placesLeft || 0), 0)
  if (left > 0) return '余 ' + left + ' 个名额'
  return open.some(hasWaitlistRoom) ? '名额已满，可排候补' : '名额已满'
}

function signupView(s) {
  const session = s.session || {}
  return Object.assign({}, s, {
    statusText: signupStatusText(s.status, s.waitlistPosition),
    timeText: time.formatRange(session.startsAt, session.endsAt),
    createdText: time.formatDateTime(s.createdAt),
    active: s.status === 'confirmed' || s.status === 'waitlisted',
    hasCode: s.status === 'confirmed' || s.status === 'checked_in'
  })
}

function childText(c) {
  return [c.name, c.grade || (c.birthYearMonth ? c.birthYearMonth + ' 出生' : ''), c.school].filter(Boolean).join(' · ')
}

module.exports = {
  GRADES, CATEGORIES, signupStatusText, placesText, audienceText, signupState, sessionView,
  activityPlacesText, signupView, childText
}
