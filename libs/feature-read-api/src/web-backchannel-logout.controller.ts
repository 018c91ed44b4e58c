import { Body, Controller, Header, HttpCode, Post, UseFilters } from '@nestjs/common';
import { SignInException } from '@hub/auth';
import { HubLogger } from '@hub/observability';
import { Consumes, problem, ProblemJsonFilter } from '@hub/platform';
import { WebSignInService } from './web-sign-in.service';

/**
 * `POST /auth/backchannel-logout`: the identity provider's back-channel logout (OpenID Connect
 * Back-Channel Logout 1.0) ends the hub's web sessions of a person whose session at the
 * provider ended. Called by the provider, not a browser: no cookie and no same-origin rule; the
 * signed logout token is the authentication. 200 when the token is valid (also when no session
 * matched: the provider cannot know which sessions the hub still has), 400 otherwise, never a
 * provider or token text echoed.
 */
@Controller('auth')
@UseFilters(new ProblemJsonFilter())
export class WebBackchannelLogoutController {
  private readonly log = new HubLogger(WebBackchannelLogoutController.name);

  constructor(private readonly signIn: WebSignInService) {}

  @Post('backchannel-logout')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Consumes('application/x-www-form-urlencoded')
  async logout(@Body() body: { logout_token?: unknown } | undefined): Promise<Record<string, never>> {
    if (!this.signIn.oidc) throw problem(404, 'not_found', 'Sign-in with an identity provider is not configured');
    try {
      const ended = await this.signIn.backchannelLogout(body?.logout_token);
      this.log.info('Back-channel logout', { sessionsEnded: ended });
      return {};
    } catch (error) {
      if (!(error instanceof SignInException)) throw error;
      this.log.warn('Back-channel logout refused', { reason: error.code });
      throw problem(400, 'invalid_request', 'The logout token is not valid');
    }
  }
}
