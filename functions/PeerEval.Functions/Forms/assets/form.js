// Progressive enhancement of the PeerEval form: submits through the submission API, shows errors
// beside their questions, lets an answer be cleared, and keeps one submissionId per attempt so a
// double click or retry counts once.
(function () {
  'use strict';
  var form = document.getElementById('peereval-form');
  if (!form || !window.fetch) return;
  var config = JSON.parse(document.getElementById('peereval-config').textContent);

  // The body's own height, not the document's: that never drops below the frame, so the frame could only grow.
  function reportHeight(finished) {
    if (window.parent === window) return;
    var height = Math.ceil(document.body.getBoundingClientRect().height);
    window.parent.postMessage({ type: 'peereval:height', height: height, finished: finished === true }, '*');
  }
  window.addEventListener('load', reportHeight);
  new ResizeObserver(function () { reportHeight(); }).observe(document.body);

  function showClear(fieldset) {
    var clear = fieldset.querySelector('button.clear');
    if (clear) clear.hidden = !fieldset.querySelector('input:checked');
  }
  form.querySelectorAll('fieldset').forEach(showClear);
  form.addEventListener('change', function (event) {
    var fieldset = event.target.closest('fieldset');
    if (fieldset) showClear(fieldset);
  });
  form.addEventListener('click', function (event) {
    var clear = event.target.closest('button.clear');
    if (!clear) return;
    var fieldset = clear.closest('fieldset');
    fieldset.querySelectorAll('input:checked').forEach(function (input) { input.checked = false; });
    clear.hidden = true;
    fieldset.querySelector('input').focus();
  });

  function today() {
    var d = new Date();
    return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0');
  }

  function body() {
    var data = new FormData(form);
    var submission = {
      submissionId: config.submissionId,
      occasion: config.occasion,
      completedOn: today(),
      responses: config.instruments.map(function (instrument) {
        var answers = {};
        instrument.items.forEach(function (item) {
          var value = data.get(instrument.id + '.' + item);
          answers[item] = value === null || value === '' ? null : Number(value); // an empty number box is a skipped count
        });
        return { instrument: instrument.id, answers: answers };
      })
    };
    var admitted = data.get('stay.admittedOn');
    if (admitted) {
      submission.stay = { admittedOn: admitted.toString() };
      var discharged = data.get('stay.dischargedOn');
      if (discharged) submission.stay.dischargedOn = discharged.toString();
    }
    return submission;
  }

  // JSON path of a field in the submission -> the element that shows it on the page.
  function elementFor(path) {
    var answer = /^responses\[(\d+)\]\.answers(?:\.(.+))?$/.exec(path);
    if (answer) {
      var instrument = config.instruments[Number(answer[1])];
      return instrument && document.getElementById(answer[2] ? instrument.id + '-' + answer[2] : instrument.id);
    }
    var id = { 'stay.admittedOn': 'stay-admittedOn', 'stay.dischargedOn': 'stay-dischargedOn' }[path];
    return id ? document.getElementById(id + '-field') || document.getElementById(id) : null;
  }

  function clearErrors() {
    form.querySelectorAll('.error-message, .error-summary').forEach(function (e) { e.remove(); });
    form.querySelectorAll('.has-error').forEach(function (e) { e.classList.remove('has-error'); });
    form.querySelectorAll('[aria-invalid]').forEach(function (e) { e.removeAttribute('aria-invalid'); });
  }

  // Worded for the person: a part with too many questions left out says how many to answer; others name their question.
  function wording(path, target, messages) {
    var answer = /^responses\[(\d+)\]\.answers(?:\.(.+))?$/.exec(path);
    if (answer && !answer[2] && config.instruments[Number(answer[1])]) {
      var skipped = config.instruments[Number(answer[1])].skipped;
      return { inline: skipped, summary: skipped };
    }
    var message = messages.join(' ');
    var name = target && target.querySelector(':scope > legend, :scope > label');
    return { inline: message, summary: name ? name.textContent.replace(/:?$/, ': ') + message : message };
  }

  function showErrors(errors, title) {
    var summary = document.createElement('div');
    summary.className = 'error-summary';
    summary.setAttribute('role', 'alert');
    summary.tabIndex = -1;
    var heading = document.createElement('h2');
    heading.textContent = title || 'Please check your answers';
    summary.appendChild(heading);
    var list = document.createElement('ul');
    Object.keys(errors).forEach(function (path) {
      var target = elementFor(path);
      var words = wording(path, target, errors[path]);
      var li = document.createElement('li');
      if (target) {
        var errorId = (target.id || 'field') + '-error';
        var inline = document.createElement('span');
        inline.className = 'error-message';
        inline.id = errorId;
        inline.textContent = words.inline;
        var anchor = target.querySelector(':scope > legend, :scope > label, :scope > h2');
        if (anchor) anchor.insertAdjacentElement('afterend', inline); else target.prepend(inline);
        target.classList.add('has-error');
        target.querySelectorAll('input').forEach(function (input) {
          input.setAttribute('aria-invalid', 'true');
          input.setAttribute('aria-describedby', errorId);
        });
        var link = document.createElement('a');
        link.href = '#' + target.id;
        link.textContent = words.summary;
        li.appendChild(link);
      } else {
        li.textContent = words.summary;
      }
      list.appendChild(li);
    });
    summary.appendChild(list);
    form.insertBefore(summary, form.firstChild);
    summary.focus();
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var button = form.querySelector('button[type=submit]');
    if (button.disabled) return;
    button.disabled = true;
    clearErrors();
    fetch(config.submitUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + config.token },
      body: JSON.stringify(body())
    }).then(function (response) {
      if (response.status === 202) {
        var thanks = document.getElementById('peereval-thanks');
        form.hidden = true;
        thanks.hidden = false;
        thanks.focus();
        reportHeight(true);
        return;
      }
      return response.json().then(function (problem) {
        showErrors(problem.errors || { form: [problem.title || 'Something went wrong. Please try again.'] }, problem.errors ? null : 'We could not send your answers');
      });
    }).catch(function () {
      showErrors({ form: ['We could not reach the server. Your answers are still here: please try again.'] }, 'We could not send your answers');
    }).finally(function () {
      button.disabled = false;
      reportHeight();
    });
  });
})();
