// Small progressive enhancement only: everything works without this file.
// Live "characters left" counter under every composer.
document.querySelectorAll('form.compose').forEach(function (form) {
  var text = form.querySelector('textarea[name=text]');
  var cw = form.querySelector('input[name=content_warning]');
  var counter = form.querySelector('.counter');
  if (!text || !counter) return;
  var max = parseInt(counter.getAttribute('data-max'), 10) || 500;
  function update() {
    var used = Array.from(text.value.trim()).length + (cw ? Array.from(cw.value.trim()).length : 0);
    var left = max - used;
    counter.textContent = left + ' left';
    counter.classList.toggle('over', left < 0);
  }
  text.addEventListener('input', update);
  if (cw) cw.addEventListener('input', update);
  update();
});
// Copy buttons beside one-time links (shown only when the script runs; the field can always be
// copied by hand).
document.querySelectorAll('button[data-copy]').forEach(function (button) {
  var field = document.getElementById(button.getAttribute('data-copy'));
  if (!field) return;
  button.hidden = false;
  field.addEventListener('focus', function () { field.select(); });
  button.addEventListener('click', function () {
    field.select();
    var done = function () { button.textContent = 'Copied'; };
    if (navigator.clipboard) {
      navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand('copy'); done(); });
    } else {
      document.execCommand('copy');
      done();
    }
  });
});
// Exact times (a thread's own post) in the reader's time zone; the page says them in UTC.
document.querySelectorAll('time.local').forEach(function (el) {
  var when = new Date(el.getAttribute('datetime'));
  if (isNaN(when)) return;
  el.textContent = when.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
});

// The event form: times are planned in the browser's own time zone.
document.querySelectorAll('input[data-zone]').forEach(function (field) {
  try {
    field.value = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
  } catch (e) {}
});

// A "saved" notice is written at the top of the page, but after saving a form further down
// the page opens at that form (#its-id): the notice is moved there, under its heading, where
// the eye is. (The code of conduct's banner stays at the top: it is about the whole camp.)
(function () {
  var notice = document.querySelector('main > p.notice[role=status]:not(#coc-changed)');
  var target = location.hash && document.getElementById(location.hash.slice(1));
  if (!notice || !target || target.contains(notice)) return;
  var heading = target.querySelector('h2');
  if (heading) heading.insertAdjacentElement('afterend', notice);
  else target.insertBefore(notice, target.firstChild);
})();
// Upload progress for forms that send a large file (a release for the box, an archive): the
// form is sent by XMLHttpRequest so that a <progress> can follow the bytes; the answer then
// replaces the page as a plain submission would. Without the script the form posts as usual.
document.querySelectorAll('form[data-upload-progress]').forEach(function (form) {
  var bar = document.getElementById(form.getAttribute('data-upload-progress'));
  if (!bar || !window.FormData) return;
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var request = new XMLHttpRequest();
    request.open(form.method, form.action);
    bar.hidden = false;
    request.upload.addEventListener('progress', function (e) {
      if (e.lengthComputable) { bar.max = e.total; bar.value = e.loaded; }
    });
    request.addEventListener('load', function () {
      if (request.responseURL && request.responseURL !== form.action) {
        window.location = request.responseURL;
      } else {
        document.open(); document.write(request.responseText); document.close();
      }
    });
    request.addEventListener('error', function () { form.submit(); });
    form.querySelectorAll('button').forEach(function (b) { b.disabled = true; });
    request.send(new FormData(form));
  });
});
