import { Controller, Get, NotFoundException, Param, StreamableFile } from '@nestjs/common';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'styles.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

/**
 * The patient overview web page: plain HTML, CSS and JavaScript from libs/feature-read-api/web,
 * served as they are (no build step, no inline script or style, so the hub's
 * `default-src 'self'` Content-Security-Policy holds). The page reads through the same JSON
 * API and token as any other client; it holds no data of its own.
 */
@Controller()
export class WebPageController {
  private readonly files = new Map<string, Buffer>();

  constructor() {
    const dir = webDirectory();
    for (const name of Object.keys(TYPES)) this.files.set(name, readFileSync(join(dir, name)));
  }

  @Get()
  index(): StreamableFile {
    return this.file('index.html');
  }

  /** Browsers ask for it whatever the page says; answering keeps their consoles clean. */
  @Get('favicon.ico')
  favicon(): StreamableFile {
    return this.file('favicon.svg');
  }

  @Get('web/:file')
  asset(@Param('file') file: string): StreamableFile {
    if (file === 'index.html' || !this.files.has(file)) throw new NotFoundException();
    return this.file(file);
  }

  /** The file's bytes with its type and length, written by Nest. */
  private file(name: string): StreamableFile {
    return new StreamableFile(this.files.get(name)!, { type: TYPES[name] });
  }
}

/** The web folder next to the sources, whether running from src (tests) or from dist. */
function webDirectory(): string {
  const candidates = [join(__dirname, '..', 'web'), join(__dirname, '..', '..', '..', '..', 'libs', 'feature-read-api', 'web'), join(process.cwd(), 'libs', 'feature-read-api', 'web')];
  const found = candidates.find((dir) => existsSync(join(dir, 'index.html')));
  if (!found) throw new Error(`Web page files not found (looked in ${candidates.join(', ')})`);
  return found;
}
