// 图文: upload a cover and body images, write the article, keep it as a draft at WeChat, publish it or send it.
import * as api from '../api.js';
import { h, view, when, field, formValues, guard, toast, can, route, state } from '../lib.js';

const PUBLISH = { none: '未发布', publishing: '发布中', published: '已发布', failed: '发布失败' };

/** A file input that uploads the chosen image at once and calls back with what the server answered. */
export function imagePicker(purpose, id, onUploaded, appId) {
  const input = h('input', { type: 'file', accept: 'image/jpeg,image/png', id });
  input.addEventListener('change', guard(async () => {
    if (!input.files.length) return;
    const asset = await api.uploadMedia(purpose, input.files[0], appId);
    input.value = '';
    onUploaded(asset);
  }));
  return input;
}

export async function articlesPage() {
  const articles = await api.listArticles();
  const coverId = h('input', { type: 'hidden', name: 'coverId' });
  const coverPreview = h('img', { id: 'article-cover-preview', class: 'thumb', alt: '封面', hidden: true });
  const content = h('textarea', { name: 'content', id: 'article-content', rows: 10, placeholder: '正文（可用 <p>…</p> 分段；插入的图片会自动加在末尾）' });
  const form = h('form', { class: 'stack card', id: 'article-form' },
    h('div', { class: 'fields' },
      field('标题（≤32字）', h('input', { name: 'title', required: true, maxlength: 32 })),
      field('作者（≤16字）', h('input', { name: 'author', maxlength: 16 })),
      field('摘要（≤128字）', h('input', { name: 'digest', maxlength: 128 })),
      field('原文链接（可选）', h('input', { name: 'contentSourceUrl', placeholder: 'https://' }))),
    h('div', { class: 'fields' },
      field('封面图片（JPG/PNG）', imagePicker('cover', 'article-cover', a => { coverId.value = a.id; coverPreview.src = a.url; coverPreview.hidden = false; toast('封面已上传'); })),
      coverPreview, coverId,
      field('插入正文图片（JPG/PNG，≤1MB）', imagePicker('body', 'article-body-image', a => { content.value += `\n<p><img src="${a.url}"></p>`; toast('图片已插入正文'); }))),
    field('正文', content),
    h('label', { class: 'inline' }, h('input', { type: 'checkbox', name: 'needOpenComment' }), '打开评论'),
    h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'article-save' }, '保存为草稿')));
  form.addEventListener('submit', guard(async () => {
    const v = formValues(form);
    await api.createArticle({
      title: v.title, author: v.author || null, digest: v.digest || null, contentSourceUrl: v.contentSourceUrl || null,
      content: content.value, coverId: Number(coverId.value) || null, needOpenComment: form.elements.needOpenComment.checked,
    });
    toast('图文已保存到公众号草稿箱');
    route();
  }));
  view('图文',
    can('organiser') ? form : null,
    h('p', { class: 'muted' }, '保存后可在“群发”里选择该图文群发给全部关注者或某个标签，或由管理员直接发布（发布不推送给关注者）。'),
    h('div', { class: 'table-wrap' }, h('table', { id: 'articles' },
      h('tr', {}, h('th', {}, '封面'), h('th', {}, '标题'), h('th', {}, '作者'), h('th', {}, '发布'), h('th', {}, '创建'), h('th', {}, '')),
      articles.map(a => h('tr', {},
        h('td', {}, h('img', { src: a.coverUrl, class: 'thumb', alt: '' })),
        h('td', {}, a.title), h('td', {}, a.author || ''),
        h('td', {}, PUBLISH[a.publishStatus] || a.publishStatus, a.publishError ? h('div', { class: 'error' }, a.publishError) : null,
          a.publishedUrl ? h('div', {}, h('a', { href: a.publishedUrl, target: '_blank' }, '查看')) : null),
        h('td', {}, `${a.createdByName} ${when(a.createdAt)}`),
        h('td', {},
          can('organiser') ? h('a', { href: `#/broadcasts?article=${a.id}` }, '群发') : null, ' ',
          state.me.role === 'admin' && ['none', 'failed'].includes(a.publishStatus)
            ? h('button', { class: 'ghost', onclick: guard(async () => { await api.publishArticle(a.id); toast('已提交发布，等待微信审核结果'); route(); }) }, '发布') : null))))));
}
