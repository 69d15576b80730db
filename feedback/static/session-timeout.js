// Warns a signed-in person before the idle sign-out and lets them stay signed in (WCAG 2.2.1); and
// before the end of the session's lifetime, which nothing puts off, so that they can save their work.
// The server decides: this asks it how long is left, so several open tabs agree.
//
// A form with changes that have not been saved when the session ends is kept in this tab's storage, and
// put back when the same person signs in again and comes back to the page within an hour: a case officer
// called away from a half-written summary comes back to it, not to an empty box. The banner says it is not
// saved yet. Only the fields they changed are kept (not a complainant's details the page showed), or all
// of a form the server refused, with the hidden ones, so that the page's mark of what it was shown with
// (views/editing.py) still catches a change somebody else saved meanwhile. Nothing is kept of a form with
// a password or a sign-in code, and another account signing in in this tab finds nothing kept and removes
// what is. A browser may write a tab's storage to disk, so what is kept is encrypted (AES-GCM) with a key
// that only this account's pages carry (views/auth.py: held_forms_key); without Web Crypto (a page not
// served over HTTPS), nothing is kept.
const dialog = document.getElementById('session-timeout')
const here = window.location.pathname + window.location.search
const HELD = 'feedback-loop:held:'
const HELD_FOR_MS = 60 * 60 * 1000
const SECRET = 'input[type="password"], .govuk-js-password-input-input, [autocomplete="one-time-code"]'

const bytes = (base64) => {  // URL-safe base64, as Python's urlsafe_b64encode writes it, or plain
  const binary = atob(base64.replace(/-/g, '+').replace(/_/g, '/'))
  return Uint8Array.from(binary, (c) => c.charCodeAt(0))
}
const base64Of = (data) => btoa(String.fromCharCode(...new Uint8Array(data)))

const heldForms = async (account, rawKey) => {
  const usage = ['encrypt', 'decrypt']
  const cryptoKey = await crypto.subtle.importKey('raw', bytes(rawKey), 'AES-GCM', false, usage)
  // Attributes, not properties: a field named "action" or "method" would stand in for those.
  const forms = () => Array.from(document.querySelectorAll('main form'))
    .filter((form) => (form.getAttribute('method') || '').toLowerCase() === 'post')
  const target = (form) => form.getAttribute('action') || ''
  // One page's forms are kept a tab: its address, which may carry what someone searched for, is kept
  // inside what is encrypted, not in the storage key.
  const key = `${HELD}${account}`
  const named = (form) => Array.from(form.elements).filter((el) => el.name && el.name !== 'csrf_token' &&
    !['file', 'submit', 'button', 'reset', 'image'].includes(el.type))
  const unsaved = new Map()  // a form, and the names of the fields changed in it

  const changed = (event) => {
    const form = event.currentTarget
    if (!event.target.name) return
    if (!unsaved.has(form)) unsaved.set(form, new Set())
    unsaved.get(form).add(event.target.name)
  }
  for (const form of forms()) {
    if (form.querySelector(SECRET)) continue
    // A form the server refused holds what was sent, none of it saved: every field counts as changed.
    if (form.querySelector('.govuk-form-group--error')) {
      unsaved.set(form, new Set(named(form).map((el) => el.name)))
    }
    form.addEventListener('input', changed)
    form.addEventListener('change', changed)
    form.addEventListener('submit', () => unsaved.delete(form))
  }

  const valuesOf = (form, names) => {
    const values = {}
    for (const el of named(form)) {
      if (!names.has(el.name) && el.type !== 'hidden') continue
      const list = values[el.name] = values[el.name] || []
      if (el.type === 'radio' || el.type === 'checkbox') {
        if (el.checked) list.push(el.value)
      } else if (el.multiple) {
        list.push(...Array.from(el.selectedOptions, (option) => option.value))
      } else {
        list.push(el.value)
      }
    }
    return values
  }

  const putInto = (form, values) => {
    const seen = {}  // how many fields of each name have been filled: a name may stand more than once
    for (const el of named(form)) {
      const wanted = values[el.name]
      if (!wanted) continue
      if (el.type === 'radio' || el.type === 'checkbox') {
        el.checked = wanted.includes(el.value)
      } else if (el.multiple) {
        for (const option of el.options) option.selected = wanted.includes(option.value)
      } else {
        const at = seen[el.name] = (seen[el.name] || 0) + 1
        if (at > wanted.length) continue
        el.value = wanted[at - 1]
        el.dispatchEvent(new Event('input', { bubbles: true }))  // a character count counts again
      }
    }
  }

  // What another account kept in this tab, or what has waited too long, goes first.
  for (let i = sessionStorage.length - 1; i >= 0; i--) {
    const stored = sessionStorage.key(i)
    if (!stored || !stored.startsWith(HELD)) continue
    let kept
    try { kept = JSON.parse(sessionStorage.getItem(stored)) } catch (e) { kept = null }
    if (stored !== key || !kept || Date.now() - kept.at > HELD_FOR_MS) {
      sessionStorage.removeItem(stored)
    }
  }

  // The storage key is bound into each encryption, so that what was kept for one account cannot be moved
  // to stand for another's.
  const sealed = { name: 'AES-GCM', additionalData: new TextEncoder().encode(key) }

  const unseal = async (stored) => {
    try {
      const { iv, data } = JSON.parse(stored)
      const plain = await crypto.subtle.decrypt({ ...sealed, iv: bytes(iv) }, cryptoKey, bytes(data))
      return JSON.parse(new TextDecoder().decode(plain))
    } catch (e) {
      return null  // not ours, changed, or kept under a secret key the server has since replaced
    }
  }

  return {
    // Whether keep() would keep anything: only then does the warning say that typing is put back.
    anythingUnsaved: () => unsaved.size > 0,
    async keep () {
      const all = forms()
      const kept = Array.from(unsaved, ([form, names]) => (
        { index: all.indexOf(form), action: target(form), values: valuesOf(form, names) }
      ))
      if (!kept.length) return
      const iv = crypto.getRandomValues(new Uint8Array(12))
      const plain = new TextEncoder().encode(JSON.stringify({ page: here, forms: kept }))
      const data = await crypto.subtle.encrypt({ ...sealed, iv }, cryptoKey, plain)
      try {
        const stored = { at: Date.now(), iv: base64Of(iv), data: base64Of(data) }
        sessionStorage.setItem(key, JSON.stringify(stored))
      } catch (e) { /* full or blocked */ }
    },
    async putBack () {
      const stored = sessionStorage.getItem(key)
      if (!stored) return
      const kept = await unseal(stored)
      if (kept && kept.page !== here) return  // for another page: kept until they go back to it
      sessionStorage.removeItem(key)  // once: a reload shows what is saved
      if (!kept) return
      const all = forms()
      let restored = false
      for (const { index, action, values } of kept.forms) {
        const form = all[index]
        if (!form || target(form) !== action || form.querySelector(SECRET)) continue
        putInto(form, values)
        unsaved.set(form, new Set(Object.keys(values)))  // kept again if the session ends again
        restored = true
      }
      const banner = document.getElementById('held-restored')
      if (restored && banner) {
        banner.hidden = false
        banner.focus()
      }
    }
  }
}

let held = null
try {
  if (dialog && window.sessionStorage && window.crypto?.subtle) {
    held = await heldForms(dialog.dataset.account, dialog.dataset.heldKey)
    await held.putBack()
  }
} catch (e) { /* storage blocked: nothing is kept, and the warning still comes */ }

if (dialog && typeof dialog.showModal === 'function') {
  const warnSeconds = Number(dialog.dataset.warnSeconds)
  const stay = document.getElementById('session-timeout-stay')
  let timer
  let final = false  // the lifetime ends first: the button only closes the warning
  let warnedOfTheEnd = false

  const endIsFinal = () => {
    final = true
    document.getElementById('session-timeout-text').hidden = true
    document.getElementById('session-timeout-final').hidden = false
    dialog.setAttribute('aria-describedby', 'session-timeout-final')
    stay.textContent = 'Continue'
  }

  const check = async () => {
    let left
    try {
      const response = await fetch(dialog.dataset.statusUrl, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      if (!response.ok || response.redirected) {
        const why = final ? 'expired' : 'timeout'
        try { await held?.keep() } catch (e) { /* nothing kept: the sign-out still happens */ }
        window.location.assign(`${dialog.dataset.signedOutUrl}?${why}=1&next=${encodeURIComponent(here)}`)
        return
      }
      const status = await response.json()
      left = status.seconds_left
      if (status.renewable === false && !final) endIsFinal()
    } catch (error) {
      left = warnSeconds  // offline: warn now rather than sign out silently
    }
    // At nought the server has not quite ended the session; the next question finds it ended and
    // follows the server to the sign-in page (navigating now would count as activity instead).
    if (left <= warnSeconds && !dialog.open && !warnedOfTheEnd) {
      document.getElementById('session-timeout-kept').hidden = !held?.anythingUnsaved()
      dialog.showModal()
      stay.focus()
    }
    timer = window.setTimeout(check, Math.max(1, Math.min(left - warnSeconds, left, 30)) * 1000)
  }

  stay.addEventListener('click', async () => {
    if (final) {  // nothing to ask the server: close the warning, and keep asking until the end
      warnedOfTheEnd = true
      dialog.close()
      return
    }
    await fetch(dialog.dataset.keepAliveUrl, {
      method: 'POST', credentials: 'same-origin', headers: { 'X-CSRFToken': dialog.dataset.csrfToken }
    })
    dialog.close()
    window.clearTimeout(timer)
    check()
  })
  dialog.addEventListener('cancel', (event) => event.preventDefault())  // Escape must not skip the choice
  timer = window.setTimeout(check, Math.max(1, Number(dialog.dataset.secondsLeft) - warnSeconds) * 1000)
}
