// Times arrive from the API in UTC (ISO-8601). Parents are in Liuzhou, so everything is shown in
// Asia/Shanghai. China has no daylight saving time, so "add 8 hours and read the UTC fields" is exact
// and does not depend on the phone's own time-zone setting (a traveller's phone may be set elsewhere).
const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000
const WEEKDAYS = ['日', '一', '二', '三', '四', '五', '六']

function pad(n) {
  return n < 10 ? '0' + n : String(n)
}

// Returns the wall-clock fields in Shanghai, or null for a missing/invalid value.
function shanghaiParts(value) {
  if (value === null || value === undefined || value === '') return null
  const ms = typeof value === 'number' ? value : Date.parse(value)
  if (isNaN(ms)) return null
  const d = new Date(ms + SHANGHAI_OFFSET_MS)
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    weekday: d.getUTCDay()
  }
}

function formatDate(value) {
  const p = shanghaiParts(value)
  if (!p) return ''
  return p.year + '年' + p.month + '月' + p.day + '日（周' + WEEKDAYS[p.weekday] + '）'
}

function formatTime(value) {
  const p = shanghaiParts(value)
  if (!p) return ''
  return pad(p.hour) + ':' + pad(p.minute)
}

// "2024年9月21日（周六）09:30"
function formatDateTime(value) {
  const date = formatDate(value)
  return date ? date + ' ' + formatTime(value) : ''
}

// A session usually starts and ends on the same day: "2024年9月21日（周六）09:30–11:30".
function formatRange(start, end) {
  const a = shanghaiParts(start)
  const b = shanghaiParts(end)
  if (!a) return ''
  if (!b) return formatDateTime(start)
  const sameDay = a.year === b.year && a.month === b.month && a.day === b.day
  return formatDateTime(start) + '–' + (sameDay ? formatTime(end) : formatDateTime(end))
}

// "2024-09" for the catalogue's month filter, from a UTC instant (defaults to now).
function shanghaiMonth(value) {
  const p = shanghaiParts(value === undefined ? Date.now() : value)
  return p ? p.year + '-' + pad(p.month) : ''
}

// Whether an instant is already past; used only to hide actions that the server would refuse anyway.
function isPast(value, now) {
  const ms = Date.parse(value)
  return !isNaN(ms) && ms <= (now === undefined ? Date.now() : now)
}

module.exports = {
  shanghaiParts: shanghaiParts,
  formatDate: formatDate,
  formatTime: formatTime,
  formatDateTime: formatDateTime,
  formatRange: formatRange,
  shanghaiMonth: shanghaiMonth,
  isPast: isPast
}
