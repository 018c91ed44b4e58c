// Patient overview page. Plain JavaScript, no build step, no inline script (CSP default-src 'self').
// Sign-in is the hub's: OpenID Connect with HelseID (the local provider in development) or the
// development sign-in, and the session is an HttpOnly cookie the script never sees; no token is
// kept in the browser's storage. The patient identifier travels in a POST body, never in a URL.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  let current = null;

  const SIGN_IN_ERRORS = {
    provider_error: 'Innloggingen ble avbrutt eller avvist hos HelseID.',
    state_mismatch: 'Innloggingssvaret hørte ikke til denne innloggingen. Prøv igjen.',
    no_pending_login: 'Innloggingen var utløpt eller startet i en annen nettleser. Prøv igjen.',
    login_expired: 'Innloggingen tok for lang tid. Prøv igjen.',
    unknown_organisation: 'Virksomheten din er ikke knyttet til en kommune i Hendelseslager.',
    no_organisation: 'Innloggingen oppgir ingen virksomhet.',
    discovery_failed: 'HelseID kan ikke nås akkurat nå.',
  };

  const KIND_LABELS = {
    ADMITTED: 'Innlagt',
    DISCHARGED: 'Utskrevet',
    DISCHARGE_READY: 'Utskrivningsklar',
    DISCHARGE_READY_CANCELLED: 'Utskrivningsklar opphevet',
    DEATH: 'Død',
    OTHER: 'Hendelse',
    MESSAGE_RECEIVED: 'Melding mottatt',
  };
  const STATUS_LABELS = { active: 'Aktiv', ended: 'Avsluttet', cancelled: 'Kansellert' };

  async function loadSession() {
    const response = await fetch('/auth/session', { credentials: 'same-origin' });
    const body = response.ok ? await response.json() : { signedIn: false, methods: {} };
    current = body.signedIn ? body : null;
    show($('sign-in-oidc'), Boolean(body.methods && body.methods.oidc));
    // With a provider configured the page signs in through it only; the development sign-in is for setups without one.
    show($('sign-in-form'), Boolean(body.methods && body.methods.dev && !body.methods.oidc));
    renderSession();
  }

  function session() {
    return current;
  }

  function show(element, visible) {
    element.hidden = !visible;
  }

  function el(tag, options, children) {
    const node = document.createElement(tag);
    if (options && options.className) node.className = options.className;
    if (options && options.text !== undefined && options.text !== null) node.textContent = String(options.text);
    if (options && options.title) node.title = options.title;
    for (const child of children || []) if (child) node.appendChild(child);
    return node;
  }

  const MESSAGE_LABELS = {
    ORIENTERING_TJENESTETILBUD: 'Orientering om tjenestetilbud',
    INNLEGGELSESRAPPORT: 'Innleggelsesrapport',
    UTSKRIVNINGSRAPPORT: 'Utskrivningsrapport',
    HELSEOPPLYSNINGER_LEGE: 'Helseopplysninger til lege',
    MEDISINSKE_OPPLYSNINGER: 'Medisinske opplysninger',
    HELSEOPPL_SOKNAD: 'Helseopplysninger ved søknad',
    LOG_INNLAGT: 'Melding om innlagt pasient',
    LOG_UTSKRIVNINGSKLAR: 'Melding om utskrivningsklar pasient',
    LOG_AVMELDING: 'Avmelding utskrivningsklar',
    LOG_UTSKREVET: 'Melding om utskrevet pasient',
    LOG_DOD: 'Orientering om død',
    EPIKRISE: 'Epikrise',
    HENVISNING: 'Henvisning',
    DIALOG_FORESPORSEL: 'Dialogmelding, forespørsel',
    DIALOG_SVAR: 'Dialogmelding, svar',
    DIALOG_NOTAT: 'Dialogmelding, notat',
    APPREC: 'Applikasjonskvittering',
  };

  function messageLabel(msgType) {
    return MESSAGE_LABELS[msgType] || msgType;
  }

  function formatDate(value) {
    if (!value) return '–';
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
      const [y, m, d] = value.split('-');
      return `${d}.${m}.${y}`;
    }
    // Times without a zone are Norwegian local time as the sender wrote them: show them as they are.
    const local = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(:\d{2}(\.\d+)?)?$/.exec(value);
    if (local) return `${local[3]}.${local[2]}.${local[1]}, ${local[4]}:${local[5]}`;
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) return value;
    return date.toLocaleString('nb-NO', { timeZone: 'Europe/Oslo', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit' });
  }

  function age(value) {
    if (!value) return '';
    const ms = Date.now() - new Date(value).getTime();
    if (Number.isNaN(ms)) return '';
    const minutes = Math.round(ms / 60000);
    if (minutes < 60) return `${minutes} min siden`;
    const hours = Math.round(minutes / 60);
    if (hours < 48) return `${hours} t siden`;
    return `${Math.round(hours / 24)} døgn siden`;
  }

  function renderSession() {
    const current = session();
    show($('sign-in-panel'), !current);
    show($('lookup-panel'), Boolean(current));
    show($('session'), Boolean(current));
    if (!current) show($('result'), false);
    if (current) {
      $('session-user').textContent = current.name;
      $('session-kommune').textContent = `Kommune ${current.kommunenummer}`;
      show($('session-hpr'), Boolean(current.hpr));
      $('session-hpr').textContent = current.hpr ? `HPR ${current.hpr}` : '';
      show($('lookup-refusal'), !current.mayReadPatients);
      $('lookup-refusal').textContent = current.mayReadPatients ? '' : `Du kan ikke slå opp pasienter: innlogging på sikkerhetsnivå 4 kreves (du er logget inn på nivå ${current.securityLevel || 'ukjent'}).`;
    }
  }

  async function signIn(event) {
    event.preventDefault();
    const error = $('sign-in-error');
    show(error, false);
    const kommunenummer = $('sign-in-kommune').value.trim();
    const name = $('sign-in-name').value.trim() || 'Utvikler';
    const response = await fetch('/auth/dev-session', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ kommunenummer, name }),
    });
    if (!response.ok) {
      error.textContent = response.status === 404 ? 'Utviklingsinnlogging er slått av på denne serveren.' : 'Innloggingen mislyktes.';
      show(error, true);
      return;
    }
    await loadSession();
    $('identifier').focus();
  }

  function signedOut() {
    current = null;
    renderSession();
  }

  async function lookUp(event) {
    event.preventDefault();
    const current = session();
    if (!current) return renderSession();
    const error = $('lookup-error');
    show(error, false);
    const response = await fetch('/session/patient-overview', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-Purpose-Of-Use': $('purpose').value },
      body: JSON.stringify({ identifierType: $('identifier-type').value, identifier: $('identifier').value.trim() }),
    });
    if (response.status === 401) return signedOut();
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      error.textContent = problem.detail || `Oppslaget mislyktes (${response.status}).`;
      show(error, true);
      show($('result'), false);
      return;
    }
    const overview = await response.json();
    render(overview);
  }

  async function openOriginal(originalId) {
    const current = session();
    if (!current) return renderSession();
    const response = await fetch(`/session/original/${encodeURIComponent(originalId)}`, {
      credentials: 'same-origin',
      headers: { Accept: 'application/xml', 'X-Purpose-Of-Use': $('purpose').value },
    });
    if (!response.ok) {
      $('lookup-error').textContent = response.status === 404 ? 'Originalmeldingen er ikke arkivert ennå.' : `Kunne ikke hente originalmeldingen (${response.status}).`;
      show($('lookup-error'), true);
      return;
    }
    const blob = await response.blob();
    const url = URL.createObjectURL(blob);
    const link = el('a');
    link.href = url;
    link.download = `${originalId}.xml`;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  function sourceButton(source) {
    const button = el('button', { className: 'source-link', text: 'original', title: `MsgId ${source.msgId}` });
    button.type = 'button';
    button.addEventListener('click', () => void openOriginal(source.originalId));
    return button;
  }

  function render(o) {
    const summary = o.summary;
    const p = o.patient;
    $('patient-name').textContent = p && (p.familyName || p.givenName) ? [p.givenName, p.familyName].filter(Boolean).join(' ') : 'Ukjent pasient';
    $('patient-details').textContent = p
      ? [p.birthDate ? `Født ${formatDate(p.birthDate)}` : null, p.sex === '1' ? 'Mann' : p.sex === '2' ? 'Kvinne' : null, `Kommune ${o.kommunenummer}`].filter(Boolean).join(' · ')
      : `Ingen opplysninger i kommune ${o.kommunenummer}`;
    show($('deceased'), Boolean(o.deceased));
    if (o.deceased) $('deceased').textContent = `Død ${formatDate(o.deceased.time)}`;

    const strip = $('completeness');
    strip.replaceChildren();
    strip.className = 'completeness';
    if (!o.found) {
      strip.classList.add('empty');
      strip.appendChild(el('span', { text: 'Ingen meldinger om denne pasienten er mottatt i kommunen. Fravær av data betyr ikke fravær av tjenester.' }));
    } else {
      if (summary.messagesWithoutFacts > 0) strip.classList.add('incomplete');
      const parts = [
        el('span', {}, [el('strong', { text: summary.messages }), el('span', { text: ' meldinger mottatt' })]),
        el('span', { text: `nyeste mottatt ${formatDate(summary.newestMessageReceivedAt)} (${age(summary.newestMessageReceivedAt)})` }),
        el('span', {}, [el('strong', { text: summary.activeServices }), el('span', { text: ` aktive av ${summary.services} tjenester` })]),
        el('span', {}, [el('strong', { text: summary.diagnoses }), el('span', { text: ' diagnoser' })]),
        summary.messagesWithoutFacts > 0
          ? el('span', { text: `${summary.messagesWithoutFacts} meldinger uten fakta i oversikten (ikke støttet eller venter på original)` })
          : el('span', { text: 'alle mottatte meldinger er med i oversikten' }),
      ];
      parts.forEach((part, i) => {
        if (i > 0) strip.appendChild(el('span', { className: 'sep', text: '|' }));
        strip.appendChild(part);
      });
    }

    const services = $('services-body');
    services.replaceChildren();
    for (const s of o.services) {
      const row = el('tr', { className: s.status === 'active' ? '' : 'inactive' }, [
        el('td', { className: 'name' }, [
          el('div', { text: s.description || s.iplosText || 'Tjeneste' }),
          el('div', { className: 'sub', text: [s.iplosCode ? `IPLOS ${s.iplosCode}` : null, s.iplosText && s.description ? s.iplosText : null, s.privateService ? 'privat' : null].filter(Boolean).join(' · ') }),
        ]),
        el('td', { text: [s.amount, s.unit].filter(Boolean).join(' ') || '–' }),
        el('td', { text: `${formatDate(s.startDate)} – ${s.endDate ? formatDate(s.endDate) : ''}` }),
        el('td', {}, [el('span', { className: `pill ${s.status}`, text: STATUS_LABELS[s.status] || s.status })]),
        el('td', {}, [el('div', { text: s.reportedBy || '–' }), el('div', { className: 'sub' }, [el('span', { text: `${formatDate(s.lastReported)} · ` }), sourceButton(s.sources[s.sources.length - 1])])]),
      ]);
      services.appendChild(row);
    }
    $('services-count').textContent = `${summary.activeServices} aktive`;
    show($('services-empty'), o.services.length === 0);

    const diagnoses = $('diagnoses-body');
    diagnoses.replaceChildren();
    for (const d of o.diagnoses) {
      const tags = [];
      if (d.isMain === 'true') tags.push(el('span', { className: 'pill main', text: 'hoved' }));
      if (d.retracted) tags.push(el('span', { className: 'pill retracted', text: 'trukket tilbake' }));
      const last = d.sources[d.sources.length - 1];
      diagnoses.appendChild(
        el('tr', { className: d.retracted ? 'retracted inactive' : '' }, [
          el('td', { className: 'code', text: d.code || '–' }),
          el('td', { className: 'name' }, [el('div', { text: d.display || d.text || 'Uten tekst' }), el('div', {}, tags)]),
          el('td', { text: `${formatDate(d.firstReported)} / ${formatDate(d.lastReported)}` }),
          el('td', {}, [el('div', { text: last.reportedBy || '–' }), el('div', { className: 'sub' }, [sourceButton(last)])]),
        ]),
      );
    }
    $('diagnoses-count').textContent = String(summary.diagnoses);
    show($('diagnoses-empty'), o.diagnoses.length === 0);

    const timeline = $('timeline');
    timeline.replaceChildren();
    // The same admission or discharge is often reported twice (logistics message and epikrise): one line, every source.
    const merged = [];
    for (const e of o.timeline.slice().reverse()) {
      const same = e.kind !== 'MESSAGE_RECEIVED' && merged.find((m) => m.kind === e.kind && m.time === e.time && m.retracted === e.retracted);
      if (same) same.sources.push(e.source);
      else merged.push({ ...e, sources: [e.source] });
    }
    for (const e of merged) {
      const reporters = [...new Set(e.sources.map((s) => s.reportedBy).filter(Boolean))].join(', ');
      const what =
        e.kind === 'MESSAGE_RECEIVED'
          ? `${messageLabel(e.source.msgType)}${e.source.reportedBy ? ` fra ${e.source.reportedBy}` : ''}`
          : [e.description, reporters, e.sources.length > 1 ? `${e.sources.length} meldinger` : null].filter(Boolean).join(' · ');
      const links = el('span', { className: 'links' });
      for (const source of e.sources) links.appendChild(sourceButton(source));
      timeline.appendChild(
        el('li', { className: `kind-${e.kind}${e.kind === 'MESSAGE_RECEIVED' ? ' message' : ''}${e.retracted ? ' retracted' : ''}` }, [
          el('span', { text: formatDate(e.time) }),
          el('span', { className: 'kind', text: KIND_LABELS[e.kind] || e.kind }),
          el('span', { className: 'what', text: what }),
          links,
        ]),
      );
    }
    $('timeline-count').textContent = String(merged.filter((e) => e.kind !== 'MESSAGE_RECEIVED').length);
    show($('result'), true);
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('sign-in-form').addEventListener('submit', (event) => void signIn(event));
    $('lookup-form').addEventListener('submit', (event) => void lookUp(event));
    const reason = new URLSearchParams(window.location.search).get('signin');
    if (reason) {
      $('sign-in-error').textContent = SIGN_IN_ERRORS[reason] || 'Innloggingen mislyktes.';
      show($('sign-in-error'), true);
      window.history.replaceState(null, '', '/');
    }
    void loadSession();
  });
})();
