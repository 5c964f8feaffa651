import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
  /** The links in the plain-text body. */
  links: string[];
}

export interface TestSmtpServer {
  url: string;
  port: number;
  /** Every mail accepted so far, oldest first. */
  inbox: ReceivedMail[];
  /** While set, RCPT TO is answered with this SMTP error (e.g. 550). */
  refuse: { code: number; message: string } | null;
  close(): Promise<void>;
}

function addressText(value: ParsedMail['to'] | ParsedMail['from']): string {
  if (!value) return '';
  return (Array.isArray(value) ? value : [value]).map((a) => a.text).join(', ');
}

/**
 * A real SMTP server (the `smtp-server` package) on 127.0.0.1 that parses every mail it accepts with
 * `mailparser`. A mail is in `inbox` before the server answers 250, so once nodemailer's send resolves,
 * the mail is there: no waiting.
 */
export async function startSmtpServer(port = 0): Promise<TestSmtpServer> {
  const state: TestSmtpServer = {
    url: '',
    port: 0,
    inbox: [],
    refuse: null,
    close: async () => {},
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (state.refuse) {
        const error = new Error(state.refuse.message) as Error & { responseCode: number };
        error.responseCode = state.refuse.code;
        callback(error);
        return;
      }
      callback();
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          const text = parsed.text ?? '';
          state.inbox.push({
            to: addressText(parsed.to),
            from: addressText(parsed.from),
            subject: parsed.subject ?? '',
            text,
            html: typeof parsed.html === 'string' ? parsed.html : '',
            links: text.match(/https?:\/\/\S+/g) ?? [],
          });
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  state.port = (server.server.address() as AddressInfo).port;
  state.url = `smtp://127.0.0.1:${state.port}`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}

/** A port nothing listens on (taken and released): an SMTP server that is down. */
export async function freePort(): Promise<number> {
  const probe = await startSmtpServer();
  const { port } = probe;
  await probe.close();
  return port;
}

/** The token at the end of a mailed link like `http://app/invite/<token>`. */
export function tokenOf(link: string | undefined, path: string): string {
  const match = link?.match(new RegExp(`${path}([A-Za-z0-9_-]+)$`));
  if (!match?.[1]) throw new Error(`no ${path} link in ${link}`);
  return match[1];
}
