import { once } from 'node:events';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
}

export interface TestSmtpServer {
  port: number;
  /** smtp://127.0.0.1:port for SMTP_URL. */
  url: string;
  received: ReceivedMail[];
  /** The first mail to `address` received after `since` mails had arrived, waiting for it up to `timeoutMs`. */
  waitForMail(address: string, options?: { since?: number; timeoutMs?: number }): Promise<ReceivedMail>;
  /** Stops listening (the port refuses connections) until `start()`; mail already received stays. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** A real SMTP server on loopback that keeps every mail it accepts, parsed: what the tests read mail from. */
export async function startTestSmtpServer(port = 0): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  let server: SMTPServer | undefined;
  let boundPort = port;

  const listen = async () => {
    const created = new SMTPServer({
      authOptional: true,
      disableReverseLookup: true,
      // Its built-in certificate has expired; mail to a loopback test server needs no TLS.
      hideSTARTTLS: true,
      logger: false,
      onData(stream, _session, callback) {
        simpleParser(stream).then(
          (mail) => {
            const to = [mail.to ?? []]
              .flat()
              .flatMap((address) => address.value.map((entry) => entry.address ?? ''));
            received.push({
              to,
              subject: mail.subject ?? '',
              text: mail.text ?? '',
              html: typeof mail.html === 'string' ? mail.html : '',
            });
            callback();
          },
          (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
        );
      },
    });
    created.listen(boundPort, '127.0.0.1');
    await once(created.server, 'listening');
    const address = created.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    boundPort = address.port;
    server = created;
  };
  await listen();

  return {
    get port() {
      return boundPort;
    },
    get url() {
      return `smtp://127.0.0.1:${boundPort}`;
    },
    received,
    async waitForMail(address, options = {}) {
      const deadline = Date.now() + (options.timeoutMs ?? 20_000);
      for (;;) {
        const mail = received
          .slice(options.since ?? 0)
          .find((entry) => entry.to.includes(address.toLowerCase()));
        if (mail) return mail;
        if (Date.now() > deadline) {
          const seen = received.map((entry, index) => `#${index} ${entry.to.join(',')}: ${entry.subject}`);
          throw new Error(
            `no mail to ${address} arrived after #${options.since ?? 0}; received: ${seen.join('; ') || 'none'}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop() {
      const running = server;
      server = undefined;
      if (running) await new Promise<void>((resolve) => running.close(() => resolve()));
    },
    async start() {
      if (!server) await listen();
    },
  };
}
