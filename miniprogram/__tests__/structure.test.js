// Guards that need no simulator: every page declared in app.json exists, the privacy check is on,
// and all shipped JS parses as ES2019 (the mini-program base library does not take newer syntax
// such as ?. or ?? without the IDE's transpile step).
const fs = require('fs')
const path = require('path')
const acorn = require('acorn')

const ROOT = path.join(__dirname, '..')
const app = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'))

function shippedJs(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    if (['node_modules', '__tests__', 'coverage'].indexOf(entry.name) >= 0) return []
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return shippedJs(full)
    return entry.name.endsWith('.js') ? [full] : []
  })
}

test('app.json turns on WeChat\'s privacy check and every page has its files', () => {
  expect(app.__usePrivacyCheck__).toBe(true)
  app.pages.forEach(page => {
    ['.js', '.json', '.wxml'].forEach(ext => expect(fs.existsSync(path.join(ROOT, page + ext))).toBe(true))
  })
  app.tabBar.list.forEach(tab => expect(app.pages).toContain(tab.pagePath))
})

test('the backend base URL is configured in config.js only', () => {
  expect(require('../config').apiBase).toBe('http://127.0.0.1:5080')
  shippedJs(ROOT).filter(f => !f.endsWith('config.js')).forEach(file => {
    expect(fs.readFileSync(file, 'utf8')).not.toMatch(/https?:\/\//)
  })
})

test('shipped JS is ES2019', () => {
  const files = shippedJs(ROOT)
  expect(files.length).toBeGreaterThan(20)
  files.forEach(file => {
    expect(() => acorn.parse(fs.readFileSync(file, 'utf8'), { ecmaVersion: 2019, sourceType: 'script' })).not.toThrow()
  })
})
