/**
 * The opt-in readable copy: a folder anyone can open without Parley.
 *
 *   <folder>/index.html                the conversations, linking to
 *   <folder>/conversations/<n>.html    one page per conversation, oldest first
 *   <folder>/backup.json               the history records as one JSON array
 *
 * Neither the identity nor any private key is written; the relay records keep
 * their trustRoot, a public key anyone can fetch from the relay. Every text that came from a
 * person (bodies, names, titles) is HTML-escaped, and each page carries a CSP
 * that allows no script at all. Written incrementally: a conversation's rows
 * are appended as they stream in (the engine sends each conversation in
 * order), so memory stays flat.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type HistoryRecord, MAX_NUMBERED_NAMES, numberedName } from '@parley/crypto-core';
import { forgeryNoticeText } from '../../common/forgery-notice.js';
import { storageError } from '../vault-errors.js';

type Of<T extends HistoryRecord['type']> = Extract<HistoryRecord, { type: T }>;

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(title)}</title>
<style>body{font:14px system-ui,sans-serif;max-width:760px;margin:2em auto;padding:0 1em;color:#1b1d22}
li{list-style:none;margin:.4em 0}.out{text-align:right}.text{white-space:pre-wrap;overflow-wrap:anywhere}
.meta{color:#555b66;font-size:13px}</style></head><body>
${body}`;
}

interface ConversationPage {
  readonly file: string;
  readonly title: string;
  messages: number;
}

const FLUSH_BYTES = 64 * 1024;

export class ReadableExport {
  readonly #names = new Map<string, string>();
  readonly #pages = new Map<string, ConversationPage>();
  #jsonStarted = false;
  #buffered: { page: ConversationPage; html: string } | null = null;
  #messages = 0;

  private constructor(
    readonly folder: string,
    private readonly only: string | null,
  ) {}

  /** Creates the folder (it must not exist, or be empty). `only` keeps one conversation. */
  static create(folder: string, only: string | null): ReadableExport {
    if (existsSync(folder) && readdirSync(folder).length > 0) {
      throw storageError(`the folder ${folder} is not empty`, null);
    }
    try {
      mkdirSync(join(folder, 'conversations'), { recursive: true, mode: 0o700 });
      writeFileSync(join(folder, 'backup.json'), '[', { mode: 0o600 });
    } catch (error) {
      throw storageError('the readable copy cannot be written there', error);
    }
    return new ReadableExport(folder, only);
  }

  /**
   * Creates a new folder `name` in `parent`, or "name (2)", "name (3)"...
   * when the name is taken (mkdir fails on an existing name, so two copies
   * started in the same second never share a folder).
   */
  static createNew(parent: string, name: string, only: string | null): ReadableExport {
    let created: string | null = null;
    try {
      mkdirSync(parent, { recursive: true, mode: 0o700 });
      for (let n = 1; n <= MAX_NUMBERED_NAMES && created === null; n++) {
        const folder = join(parent, numberedName(name, n));
        try {
          mkdirSync(folder, { mode: 0o700 });
          created = folder;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        }
      }
    } catch (error) {
      throw storageError('the readable copy cannot be written there', error);
    }
    if (created === null) throw storageError(`${MAX_NUMBERED_NAMES} folders named like ${name} exist already`, null);
    return ReadableExport.create(created, only);
  }

  add(record: HistoryRecord): void {
    if (!this.#keeps(record)) return;
    appendFileSync(join(this.folder, 'backup.json'), `${this.#jsonStarted ? ',' : ''}\n${JSON.stringify(record)}`);
    this.#jsonStarted = true;
    if (record.type === 'contact') this.#names.set(record.accountId, record.displayName ?? record.accountId);
    else if (record.type === 'conversation') this.#conversation(record);
    else if (record.type === 'message') this.#message(record);
  }

  finish(): { folder: string; conversations: number; messages: number } {
    this.#flush();
    appendFileSync(join(this.folder, 'backup.json'), '\n]\n');
    const items: string[] = [];
    for (const conversationPage of this.#pages.values()) {
      appendFileSync(join(this.folder, conversationPage.file), '</ol></body></html>\n');
      items.push(
        `<li><a href="${escapeHtml(conversationPage.file)}">${escapeHtml(conversationPage.title)}</a> <span class="meta">${conversationPage.messages} messages</span></li>`,
      );
    }
    writeFileSync(
      join(this.folder, 'index.html'),
      `${page('Parley conversations', `<h1>Parley conversations</h1>\n<ul>\n${items.join('\n')}\n</ul>`)}</body></html>\n`,
      { mode: 0o600 },
    );
    return { folder: this.folder, conversations: this.#pages.size, messages: this.#messages };
  }

  abort(): void {
    rmSync(this.folder, { recursive: true, force: true });
  }

  #keeps(record: HistoryRecord): boolean {
    if (this.only === null) return true;
    if (record.type === 'conversation') return record.id === this.only;
    if (record.type === 'message') return record.conversationId === this.only;
    return record.type === 'contact';
  }

  #conversation(record: Of<'conversation'>): void {
    const peerName = record.kind === 'direct' ? (this.#names.get(record.peerId) ?? record.peerId) : null;
    const title = record.title ?? peerName ?? record.id;
    const file = `conversations/${this.#pages.size + 1}.html`;
    const conversationPage: ConversationPage = { file, title, messages: 0 };
    this.#pages.set(record.id, conversationPage);
    writeFileSync(
      join(this.folder, file),
      `${page(title, `<p><a href="../index.html">All conversations</a></p>\n<h1>${escapeHtml(title)}</h1>\n<ol>`)}\n`,
      { mode: 0o600 },
    );
  }

  #message(record: Of<'message'>): void {
    let conversationPage = this.#pages.get(record.conversationId);
    if (conversationPage === undefined) {
      this.#conversation({
        type: 'conversation',
        id: record.conversationId,
        kind: 'group',
        peerId: record.conversationId,
        title: record.conversationId,
        lastActivityAt: record.sentAt,
        lastSortKey: record.sortKey,
        unreadCount: 0,
        preview: null,
        createdAt: record.sentAt,
      });
      conversationPage = this.#pages.get(record.conversationId) as ConversationPage;
    }
    const sender =
      record.direction === 'outgoing' ? 'You' : (this.#names.get(record.senderAccountId) ?? record.senderAccountId);
    const text =
      record.kind === 'text'
        ? (record.body ?? '')
        : record.kind === 'unsupported'
          ? 'A message from a newer version of Parley.'
          : record.kind === 'group-event'
            ? (record.body ?? '')
            : forgeryNoticeText({ kind: record.kind, relayUrl: record.body, peerName: sender });
    const row = `<li class="${record.direction === 'outgoing' ? 'out' : 'in'}"><span class="meta">${escapeHtml(sender)} · ${new Date(record.sentAt).toISOString()}</span><div class="text">${escapeHtml(text)}</div></li>\n`;
    if (this.#buffered !== null && this.#buffered.page !== conversationPage) this.#flush();
    this.#buffered = { page: conversationPage, html: (this.#buffered?.html ?? '') + row };
    if (this.#buffered.html.length > FLUSH_BYTES) this.#flush();
    conversationPage.messages++;
    this.#messages++;
  }

  #flush(): void {
    const buffered = this.#buffered;
    this.#buffered = null;
    if (buffered !== null) appendFileSync(join(this.folder, buffered.page.file), buffered.html);
  }
}
