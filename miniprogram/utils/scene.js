// A mini-program code (getwxacodeunlimit) opens its page with the code's scene as query.scene, URL-encoded:
// 'sessionId%3D12%26c%3D5'. sceneParam reads one key of it.
function sceneParam(scene, key) {
  if (!scene) return undefined
  const pairs = decodeURIComponent(scene).split('&')
  for (let i = 0; i < pairs.length; i++) {
    const at = pairs[i].indexOf('=')
    if (at > 0 && pairs[i].slice(0, at) === key) return pairs[i].slice(at + 1)
  }
  return undefined
}

module.exports = { sceneParam }
