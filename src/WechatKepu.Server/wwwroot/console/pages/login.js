import * as api from '../api.js';
import { state, h, field, formValues } from '../lib.js';

export function loginPage() {
  document.getElementById('top').hidden = true;
  const error = h('p', { class: 'error', id: 'login-error' });
  const form = h('form', { class: 'stack card login', id: 'login-form' },
    h('h1', {}, '科普日管理后台'),
    field('用户名', h('input', { name: 'username', autocomplete: 'username', required: true })),
    field('密码', h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    error,
    h('button', { type: 'submit' }, '登录'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    try {
      await api.refreshToken();
      state.me = await api.login(formValues(form));
      await api.refreshToken(); // the token is bound to who is signed in
      location.hash = '#/dashboard';
    } catch (err) { error.textContent = err.message; }
  });
  document.getElementById('app').replaceChildren(form);
}
