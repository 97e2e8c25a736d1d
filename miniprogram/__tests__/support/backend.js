// Starts the real backend (and the WeChat simulator it talks to) from the built .NET assemblies, for
// the contract test. The server gets a private embedded PostgreSQL cluster of its own.
const { spawn } = require('child_process')
const fs = require('fs')
const net = require('net')
const path = require('path')

const repo = path.resolve(__dirname, '..', '..', '..')

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

function dll(project) {
  const dir = path.join(repo, 'src', project, 'bin', 'Debug', 'net10.0')
  const file = path.join(dir, project + '.dll')
  if (!fs.existsSync(file)) {
    throw new Error(`${file} is missing: build the solution first (dotnet build WechatKepu.sln)`)
  }
  return { dir, file }
}

function run(project, args, env, log) {
  const { dir, file } = dll(project)
  const child = spawn('dotnet', [file, ...args], { cwd: dir, env: Object.assign({}, process.env, env) })
  child.stdout.on('data', d => log.push(String(d)))
  child.stderr.on('data', d => log.push(String(d)))
  return child
}

async function waitFor(url, child, log, timeoutMs) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) before ${url} answered:\n${log.join('')}`)
    try {
      const res = await fetch(url)
      if (res.ok) return
    } catch (e) {
      // not listening yet
    }
    await new Promise(r => setTimeout(r, 250))
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${log.join('')}`)
}

function stop(child) {
  return new Promise(resolve => {
    if (!child || child.exitCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGTERM') // the server stops its PostgreSQL on a graceful shutdown
    setTimeout(() => child.kill('SIGKILL'), 30000).unref()
  })
}

async function startBackend() {
  const [simPort, apiPort] = [await freePort(), await freePort()]
  const simBase = `http://127.0.0.1:${simPort}`
  const apiBase = `http://127.0.0.1:${apiPort}`
  const log = []
  const sim = run('WechatKepu.Simulator', ['--urls', simBase], {}, log)
  await waitFor(simBase + '/', sim, log, 60000)
  const api = run('WechatKepu.Server', ['--urls', apiBase], {
    ASPNETCORE_ENVIRONMENT: 'Development',
    Wechat__ApiBaseUrl: simBase,
    Database__EmbeddedDirectory: path.join(repo, '.data', 'pg-contract'),
    Jobs__RunServer: 'false'
  }, log)
  await waitFor(apiBase + '/healthz', api, log, 120000)
  return {
    apiBase,
    simBase,
    mpAppId: 'wx_dev_miniprogram',
    stop: async () => {
      await stop(api)
      await stop(sim)
    }
  }
}

module.exports = { startBackend }
