// 统计图表: the campaign in pictures — sign-ups per day, fill rate and attendance per activity, what became of the
// reminders, followers per day and per poster QR code. ECharts is served by the app itself (/console/lib/echarts/,
// installed by npm ci in console-libs/), never from a CDN: the console must work on an office intranet.
import * as api from '../api.js';
import { h, view, field, formValues } from '../lib.js';

const LIBRARY = '/console/lib/echarts/echarts.esm.min.js';
const BLUE = '#0b5cad';
const GREEN = '#059669';
const RED = '#c81e1e';
const GREY = '#9aa5b1';
const AMBER = '#d97706';

let library = null;
async function loadECharts() {
  if (!library) library = import(LIBRARY).catch((err) => { library = null; throw err; });
  return library;
}

const md = d => d.slice(5).replace('-', '/');

function chartBox(id, title, note, height) {
  return h('section', { class: 'card chart-card' }, h('h2', {}, title), note ? h('p', { class: 'muted' }, note) : null,
    h('div', { class: 'chart', id, style: `height:${height || 280}px` }));
}

// Each chart says how many data points it drew (data-points), so a test or a curious admin can tell an empty one.
function draw(echarts, id, option, points) {
  const el = document.getElementById(id);
  el.dataset.points = points;
  if (!points) { el.replaceChildren(h('p', { class: 'muted empty' }, '这段时间没有数据')); el.style.height = 'auto'; return null; }
  const chart = echarts.init(el, null, { renderer: 'svg' });
  option.series = option.series.map(s => (s.type === 'bar' ? { barMaxWidth: 28, ...s } : s));
  chart.setOption({ animation: false, textStyle: { fontFamily: 'inherit' }, tooltip: { trigger: 'axis' }, grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true }, ...option });
  return chart;
}

export async function chartsPage(params) {
  const d = await api.charts({ from: params.get('from'), to: params.get('to') });
  const period = h('form', { class: 'inline card', id: 'charts-period' },
    field('从', h('input', { type: 'date', name: 'from', value: d.from })),
    field('到', h('input', { type: 'date', name: 'to', value: d.to })),
    h('button', { type: 'submit' }, '统计'));
  period.addEventListener('submit', (e) => { e.preventDefault(); location.hash = '#/charts?' + new URLSearchParams(formValues(period)); });
  const r = d.reminders;
  const withSignups = d.activities.filter(a => a.capacity > 0);
  view('统计图表', period,
    h('p', { class: 'muted' }, `${d.from} 至 ${d.to}（北京时间）。报名率 = 已确认 ÷ 名额；到场率 = 已签到 ÷ 已结束场次的已确认人数。`),
    h('div', { class: 'chart-grid' },
      chartBox('chart-signups', '每日报名', '新提交的报名（含候补），按报名时间。'),
      chartBox('chart-followers', '每日关注', '公众号新增关注（含重新关注）与取消关注。'),
      chartBox('chart-reminders', '提醒与通知', `共 ${r.total} 条：已送达 ${r.delivered}，已发送待回执 ${r.sent}，失败 ${r.failed}，无法发送 ${r.noChannel}，待发送 ${r.pending}，已取消 ${r.cancelled}。`),
      chartBox('chart-reasons', '发送失败原因', r.failedReasons.length ? null : '没有失败。')),
    chartBox('chart-activities', '各活动报名率与到场率', null, Math.max(200, 40 + 44 * withSignups.length)),
    chartBox('chart-posters', '海报二维码带来的关注', '本时段内每个二维码的扫码次数与新关注者。', Math.max(200, 40 + 36 * d.posterCodes.length)));

  let echarts;
  try { echarts = await loadECharts(); } catch {
    document.querySelectorAll('.chart').forEach(el => el.replaceChildren(h('p', { class: 'error' },
      '图表库未安装：请在服务器的 src/WechatKepu.Server/console-libs 目录运行 npm ci（见 docs/deploy.md）。')));
    return;
  }
  const charts = [
    draw(echarts, 'chart-signups', {
      xAxis: { type: 'category', data: d.signupsPerDay.map(x => md(x.day)) }, yAxis: { type: 'value', minInterval: 1 },
      series: [{ name: '报名', type: 'bar', color: BLUE, data: d.signupsPerDay.map(x => x.count) }],
    }, d.signupsPerDay.filter(x => x.count).length),
    draw(echarts, 'chart-followers', {
      legend: { top: 0 }, xAxis: { type: 'category', data: d.followersPerDay.map(x => md(x.day)) }, yAxis: { type: 'value', minInterval: 1 },
      series: [{ name: '新增关注', type: 'bar', color: GREEN, data: d.followersPerDay.map(x => x.gained) },
        { name: '取消关注', type: 'bar', color: GREY, data: d.followersPerDay.map(x => x.lost) }],
    }, d.followersPerDay.filter(x => x.gained || x.lost).length),
    draw(echarts, 'chart-reminders', {
      tooltip: { trigger: 'item' }, legend: { bottom: 0 },
      series: [{ type: 'pie', radius: ['35%', '65%'], label: { formatter: '{b}\n{c}' }, data: [
        { name: '已送达', value: r.delivered, itemStyle: { color: GREEN } }, { name: '已发送待回执', value: r.sent, itemStyle: { color: BLUE } },
        { name: '失败', value: r.failed, itemStyle: { color: RED } }, { name: '无法发送', value: r.noChannel, itemStyle: { color: AMBER } },
        { name: '待发送', value: r.pending, itemStyle: { color: '#93c5fd' } }, { name: '已取消', value: r.cancelled, itemStyle: { color: GREY } },
      ].filter(x => x.value) }],
    }, r.total),
    draw(echarts, 'chart-reasons', {
      xAxis: { type: 'value', minInterval: 1 }, yAxis: { type: 'category', inverse: true, data: r.failedReasons.map(x => x.reason), axisLabel: { width: 220, overflow: 'truncate' } },
      series: [{ name: '失败', type: 'bar', color: RED, data: r.failedReasons.map(x => x.count) }],
    }, r.failedReasons.length),
    draw(echarts, 'chart-activities', {
      legend: { top: 0 }, xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
      yAxis: { type: 'category', inverse: true, data: withSignups.map(a => `${a.code} ${a.title}`), axisLabel: { width: 260, overflow: 'truncate' } },
      tooltip: { trigger: 'axis', valueFormatter: v => (v === null || v === undefined ? '—' : `${v}%`) },
      series: [{ name: '报名率', type: 'bar', color: BLUE, data: withSignups.map(a => a.fillRate) },
        { name: '到场率', type: 'bar', color: GREEN, data: withSignups.map(a => a.attendanceRate) }],
    }, withSignups.length),
    draw(echarts, 'chart-posters', {
      legend: { top: 0 }, xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', inverse: true, data: d.posterCodes.map(p => `#${p.codeId} ${p.activityTitle}${p.sessionTitle ? ' · ' + p.sessionTitle : ''}`), axisLabel: { width: 260, overflow: 'truncate' } },
      series: [{ name: '扫码', type: 'bar', color: BLUE, data: d.posterCodes.map(p => p.scans) },
        { name: '新关注', type: 'bar', color: GREEN, data: d.posterCodes.map(p => p.newFollowers) }],
    }, d.posterCodes.filter(p => p.scans).length),
  ].filter(Boolean);
  const resize = () => charts.forEach(c => c.resize());
  window.addEventListener('resize', resize);
  window.addEventListener('hashchange', () => { window.removeEventListener('resize', resize); charts.forEach(c => c.dispose()); }, { once: true });
}
