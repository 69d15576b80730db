// Warns a signed-in person before the idle sign-out and lets them stay signed in (WCAG 2.2.1); and
// before the end of the session's lifetime, which nothing puts off, so that they can save their work.
// The server decides: this asks it how long is left, so several open tabs agree.
const dialog = document.getElementById('session-timeout')

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
        const back = window.location.pathname + window.location.search
        const why = final ? 'expired' : 'timeout'
        window.location.assign(`${dialog.dataset.signedOutUrl}?${why}=1&next=${encodeURIComponent(back)}`)
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
    if (left <= warnSeconds && !dialog.open && !warnedOfTheEnd) { dialog.showModal(); stay.focus() }
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
