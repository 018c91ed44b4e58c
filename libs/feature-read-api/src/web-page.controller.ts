import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
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
  index(@Res() res: Response): void {
    this.send('index.html', res);
  }

  /** Browsers ask for it whatever the page says; answering keeps their consoles clean. */
  @Get('favicon.ico')
  favicon(@Res() res: Response): void {
    this.send('favicon.svg', res);
  }

  @Get('web/:file')
  asset(@Param('file') file: string, @Res() res: Response): void {
    if (file === 'index.html' || !this.files.has(file)) throw new NotFoundException();
    this.send(file, res);
  }

  private send(name: string, res: Response): void {
    res.status(200).type(TYPES[name]).end(this.files.get(name));
  }
}

/** The web folder next to the sources, whether running from src (tests) or from dist. */
function webDirectory(): string {
  const candidates = [join(__dirname, '..', 'web'), join(__dirname, '..', '..', '..', '..', 'libs', 'feature-read-api', 'web'), join(process.cwd(), 'libs', 'feature-read-api', 'web')];
  const found = candidates.find((dir) => existsSync(join(dir, 'index.html')));
  if (!found) throw new Error(`Web page files not found (looked in ${candidates.join(', ')})`);
  return found;
}
