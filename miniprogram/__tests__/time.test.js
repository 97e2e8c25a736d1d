const path = require('path')
const { execFileSync } = require('child_process')
const time = require('../utils/time')

describe('Asia/Shanghai formatting', () => {
  test('adds 8 hours to UTC', () => {
    expect(time.formatDateTime('2024-09-21T01:30:00Z')).toBe('2024年9月21日（周六） 09:30')
  })

  test('does not depend on the device time zone', () => {
    // A phone set to New York or London must still show Liuzhou time.
    const script = "process.stdout.write(require('./utils/time').formatDateTime('2024-09-21T01:30:00Z'))"
    for (const tz of ['America/New_York', 'Europe/London', 'Asia/Tokyo']) {
      const out = execFileSync(process.execPath, ['-e', script], { cwd: path.join(__dirname, '..'), env: { TZ: tz } })
      expect(out.toString()).toBe('2024年9月21日（周六） 09:30')
    }
  })

  test('an evening UTC time is the next day in Liuzhou', () => {
    expect(time.formatDateTime('2024-09-30T16:30:00Z')).toBe('2024年10月1日（周二） 00:30')
    expect(time.shanghaiMonth('2024-09-30T16:30:00Z')).toBe('2024-10')
  })

  test('a same-day range shows the date once', () => {
    expect(time.formatRange('2024-09-21T01:30:00Z', '2024-09-21T03:30:00Z')).toBe('2024年9月21日（周六） 09:30–11:30')
    expect(time.formatRange('2024-09-21T01:30:00Z', '2024-09-22T03:30:00Z'))
      .toBe('2024年9月21日（周六） 09:30–2024年9月22日（周日） 11:30')
  })

  test('missing or broken values render as nothing rather than "NaN"', () => {
    expect(time.formatDateTime(null)).toBe('')
    expect(time.formatDateTime('not a date')).toBe('')
    expect(time.formatRange(undefined, undefined)).toBe('')
  })
})
