import { checkEndpoint, checkResolvedAddresses, isNonPublicAddress } from './subscription-endpoint';

/**
 * The SSRF guard of the rest-hook channel: what a kommune's Subscription may name as its
 * endpoint (checked at create and at every delivery) and which resolved addresses a delivery may
 * connect to. Exact answers: the read API returns them to the client as the OperationOutcome.
 */
const strict = { allowHttp: false, allowedHosts: [] as string[] };
const withHttp = { allowHttp: true, allowedHosts: [] as string[] };

describe('isNonPublicAddress', () => {
  it.each([
    // each range's first and last address (RFC 6890 special-purpose, RFC 1918 private, RFC 6598 CGN)
    ['0.0.0.0'], ['0.255.255.255'],
    ['10.0.0.0'], ['10.255.255.255'],
    ['100.64.0.0'], ['100.127.255.255'],
    ['127.0.0.1'], ['127.255.255.255'],
    ['169.254.0.0'], ['169.254.255.255'],
    ['172.16.0.0'], ['172.31.255.255'],
    ['192.0.0.0'], ['192.0.0.255'],
    ['192.168.0.0'], ['192.168.255.255'],
    ['198.18.0.0'], ['198.19.255.255'],
    ['224.0.0.1'], ['239.255.255.255'],
    ['240.0.0.0'], ['255.255.255.255'],
    ['::'], ['::1'], ['fc00::1'], ['fdff:ffff::1'], ['fe80::1'], ['febf:ffff::1'], ['ff02::1'], ['64:ff9b::a00:1'],
    // documentation ranges (RFC 5737, RFC 3849)
    ['192.0.2.0'], ['192.0.2.255'], ['198.51.100.0'], ['198.51.100.255'], ['203.0.113.0'], ['203.0.113.255'], ['2001:db8::1'], ['2001:db8:ffff:ffff::1'],
    // IPv4-compatible (::/96, deprecated) and 6to4 (2002::/16, deprecated): both embed an IPv4 address
    ['::2'], ['::a00:1'], ['::ffff:ffff'], ['2002::1'], ['2002:a00:1::1'], ['2002:ffff:ffff::1'],
    // IPv4-mapped IPv6 of non-public IPv4 addresses, dotted and hex (as URL serializes them)
    ['::ffff:127.0.0.1'], ['::FFFF:10.0.0.1'], ['::ffff:7f00:1'], ['::ffff:a9fe:a9fe'],
    // bracketed, as a URL's hostname carries an IPv6 address
    ['[::1]'], ['[fe80::1]'],
  ])('%s is not public', (address) => {
    expect(isNonPublicAddress(address)).toBe(true);
  });

  it.each([
    // just outside each range
    ['1.0.0.0'], ['9.255.255.255'], ['11.0.0.0'],
    ['100.63.255.255'], ['100.128.0.0'],
    ['126.255.255.255'], ['128.0.0.0'],
    ['169.253.255.255'], ['169.255.0.0'],
    ['172.15.255.255'], ['172.32.0.0'],
    ['191.255.255.255'], ['192.0.1.0'],
    ['192.167.255.255'], ['192.169.0.0'],
    ['198.17.255.255'], ['198.20.0.0'],
    ['223.255.255.255'],
    ['::1:0:0'], ['fbff:ffff::1'], ['fec0::1'], ['2001:4860:4860::8888'], ['64:ff9b:1::a00:1'],
    ['192.0.1.255'], ['192.0.3.0'], ['198.51.99.255'], ['198.51.101.0'], ['203.0.112.255'], ['203.0.114.0'],
    ['2001:db7:ffff::1'], ['2001:db9::1'], ['2001:ffff::1'], ['2003::1'],
    ['::ffff:8.8.8.8'], ['::ffff:808:808'],
    // ::ffff: in the middle of a global address is not an IPv4-mapped address
    ['2a00:1450::ffff:10.0.0.1'],
    ['[2001:4860:4860::8888]'],
  ])('%s is public', (address) => {
    expect(isNonPublicAddress(address)).toBe(false);
  });

  it.each([['not-an-ip'], [''], ['8.8.8.8['], [']8.8.8.8'], ['[[::1]]'], ['1.2.3.4.5'], ['::ffff:1.2.3']])(
    'something that is not exactly an address (%p) counts as not public (fail closed)',
    (address) => {
      expect(isNonPublicAddress(address)).toBe(true);
    },
  );
});

describe('checkEndpoint', () => {
  it('accepts an https URL to a public name or address and answers the parsed URL', () => {
    const { url, error } = checkEndpoint('https://epj.example.no/hook?k=1', strict);
    expect(error).toBeUndefined();
    expect(url?.href).toBe('https://epj.example.no/hook?k=1');
    // The scheme's own port written out is no port of its own.
    expect(checkEndpoint('https://epj.example.no:443/hook', strict).url?.href).toBe('https://epj.example.no/hook');
    expect(checkEndpoint('http://epj.example.no:80/hook', withHttp).url?.href).toBe('http://epj.example.no/hook');
    expect(checkEndpoint('https://193.156.0.1/hook', strict).url?.hostname).toBe('193.156.0.1');
    expect(checkEndpoint('https://[2001:4860:4860::8888]/hook', strict).url?.hostname).toBe('[2001:4860:4860::8888]');
  });

  it("refuses another port than the scheme's on a host not allowed by configuration (no SSH, SMTP or admin ports of a public host)", () => {
    for (const [endpoint, policy, error] of [
      ['https://epj.example.no:8443/hook', strict, 'channel.endpoint must use the https port (443) unless its host is allowed by configuration'],
      ['https://193.156.0.1:22/', strict, 'channel.endpoint must use the https port (443) unless its host is allowed by configuration'],
      ['https://[2001:4860:4860::8888]:25/', strict, 'channel.endpoint must use the https port (443) unless its host is allowed by configuration'],
      ['https://epj.example.no:80/hook', strict, 'channel.endpoint must use the https port (443) unless its host is allowed by configuration'],
      ['http://epj.example.no:443/hook', withHttp, 'channel.endpoint must use the http port (80) unless its host is allowed by configuration'],
    ] as const) {
      expect([endpoint, checkEndpoint(endpoint, policy)]).toStrictEqual([endpoint, { error }]);
    }
    const allowed = { allowHttp: false, allowedHosts: ['epj.example.no'] };
    expect(checkEndpoint('https://epj.example.no:8443/hook', allowed).url?.port).toBe('8443');
  });

  it('refuses what is not a URL, without echoing it', () => {
    expect(checkEndpoint('epj.example.no/hook', strict)).toStrictEqual({ error: 'channel.endpoint is not a URL' });
  });

  it('https only, unless http is allowed; never another scheme', () => {
    expect(checkEndpoint('http://epj.example.no/hook', strict)).toStrictEqual({ error: 'channel.endpoint must be https' });
    expect(checkEndpoint('http://epj.example.no/hook', withHttp).url?.protocol).toBe('http:');
    for (const other of ['ftp://epj.example.no/hook', 'ws://epj.example.no/hook', 'file:///etc/passwd', 'gopher://epj.example.no/']) {
      expect([other, checkEndpoint(other, withHttp)]).toStrictEqual([other, { error: 'channel.endpoint must be https or http' }]);
      expect([other, checkEndpoint(other, strict)]).toStrictEqual([other, { error: 'channel.endpoint must be https' }]);
    }
  });

  it('refuses credentials in the URL: a user, a password or both', () => {
    for (const withCredentials of ['https://user@epj.example.no/hook', 'https://:secret@epj.example.no/hook', 'https://user:secret@epj.example.no/hook']) {
      expect([withCredentials, checkEndpoint(withCredentials, strict)]).toStrictEqual([withCredentials, { error: 'channel.endpoint must not carry credentials' }]);
    }
  });

  it('refuses localhost and its subdomains (RFC 6761), whatever the case', () => {
    for (const loopback of ['https://localhost/hook', 'https://LocalHost:8443/hook', 'https://epj.localhost/hook']) {
      expect([loopback, checkEndpoint(loopback, strict)]).toStrictEqual([loopback, { error: 'channel.endpoint is a loopback host the hub is not configured to reach' }]);
    }
    // a name that merely starts with or contains "localhost" is an ordinary name (checked when resolved)
    expect(checkEndpoint('https://localhost.example.no/hook', strict).url).toBeDefined();
  });

  it('refuses a private, loopback or link-local address, also in the spellings a URL normalizes', () => {
    for (const inward of [
      'https://10.0.0.5/hook',
      'https://127.0.0.1:8443/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://0x7f.1/hook', // 127.0.0.1
      'https://2130706433/hook', // 127.0.0.1
      'https://[::1]/hook',
      'https://[0:0:0:0:0:0:0:1]/hook',
      'https://[::ffff:127.0.0.1]/hook', // serialized as [::ffff:7f00:1]
      'https://[fd12:3456::1]/hook',
    ]) {
      expect([inward, checkEndpoint(inward, strict)]).toStrictEqual([inward, { error: 'channel.endpoint is a private or loopback address the hub is not configured to reach' }]);
    }
  });

  it('a host allowed by name (lower case in the configuration) may be private or loopback', () => {
    const policy = { allowHttp: false, allowedHosts: ['10.0.0.5', 'localhost', '[::1]', 'journal.kommune.local'] };
    expect(checkEndpoint('https://10.0.0.5/hook', policy).url?.hostname).toBe('10.0.0.5');
    expect(checkEndpoint('https://LOCALHOST/hook', policy).url?.hostname).toBe('localhost');
    expect(checkEndpoint('https://[::1]/hook', policy).url?.hostname).toBe('[::1]');
    expect(checkEndpoint('https://Journal.Kommune.Local/hook', policy).url?.hostname).toBe('journal.kommune.local');
    // another private address is still refused
    expect(checkEndpoint('https://10.0.0.6/hook', policy).error).toBe('channel.endpoint is a private or loopback address the hub is not configured to reach');
    // allowing a host does not allow http
    expect(checkEndpoint('http://10.0.0.5/hook', policy).error).toBe('channel.endpoint must be https');
  });
});

describe('checkResolvedAddresses', () => {
  it('every resolved address must be public', () => {
    expect(checkResolvedAddresses('epj.example.no', ['193.156.0.1', '2001:4860:4860::8888'], strict)).toBeUndefined();
    for (const inward of ['10.0.0.1', '127.0.0.1', '::1', '::ffff:192.168.1.1', 'fe80::1']) {
      expect([inward, checkResolvedAddresses('epj.example.no', ['193.156.0.1', inward], strict)]).toStrictEqual([
        inward,
        'the endpoint host resolves to a private or loopback address the hub is not configured to reach',
      ]);
    }
  });

  it('a name that did not resolve is refused', () => {
    expect(checkResolvedAddresses('epj.example.no', [], strict)).toBe('the endpoint host did not resolve');
  });

  it('a host allowed by name may resolve anywhere, its name compared in lower case', () => {
    const policy = { allowHttp: false, allowedHosts: ['journal.kommune.local'] };
    expect(checkResolvedAddresses('Journal.Kommune.LOCAL', ['10.0.0.1'], policy)).toBeUndefined();
    expect(checkResolvedAddresses('other.kommune.local', ['10.0.0.1'], policy)).toBe('the endpoint host resolves to a private or loopback address the hub is not configured to reach');
  });
});
