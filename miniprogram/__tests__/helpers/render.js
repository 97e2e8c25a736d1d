// Loads a page (written as a Component, as WeChat allows) with miniprogram-simulate and runs its
// lifecycle the way WeChat would when it is opened.
const path = require('path')
const simulate = require('miniprogram-simulate')
const { flush } = require('./fake-wx')

const ROOT = path.join(__dirname, '..', '..')

async function openPage(name, query, lifecycle) {
  let id
  // miniprogram-simulate re-runs each component's js on every load and relies on require.cache to
  // forget it, which jest's module registry ignores; an isolated registry gives each page a clean run.
  // The privacy listener is installed again on that registry's privacy module, as app.js would.
  jest.isolateModules(() => {
    id = simulate.load(path.join(ROOT, 'pages', name, name), { rootPath: ROOT, compiler: 'simulate' })
    require('../../utils/privacy').install()
  })
  const page = simulate.render(id)
  page.attach(document.createElement('parent-wrapper'))
  const hooks = lifecycle || ['onLoad']
  // Hooks are not awaited: a privacy-gated page stays pending until the popup is answered.
  hooks.forEach(hook => {
    if (typeof page.instance[hook] === 'function') page.instance[hook](query || {})
  })
  await flush()
  return page
}

function text(node) {
  return (node.dom || node).textContent.replace(/\s+/g, ' ')
}

async function tap(node, detail) {
  node.dispatchEvent('tap', { detail: detail || {} })
  await flush()
}

// The element matching `selector` whose data-id is `id` (nested lookups are not supported by the
// simulator for plain nodes, so rows are told apart by their data-id).
function byId(page, selector, id) {
  return page.querySelectorAll(selector).find(node => node.dom.getAttribute('data-id') === id)
}

module.exports = { openPage, text, tap, byId, ROOT }
