/**
 * A group chat through the UI in Debian's Chromium (Alice, Bob and Carol,
 * each with their own web shell, one relay; issue 13): the three add each
 * other; Alice makes "Hikers" from her contacts in "New group"; Bob and
 * Carol see the invitation (who invited them, the members) and accept; all
 * three write and each sees the others' names above their messages, in the
 * same colour on every screen; Alice's message says "Read by 2 of 2" once
 * both read it. Alice renames the group and the others see the new name;
 * she removes Carol, whose view says she is no longer a member; she adds
 * Carol back from Group info and Carol declines. README.md
 * shows the group as this run took it (docs/screenshots/group-chat-light.png).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from '@playwright/test';
import { beforeAll, describe, expect } from 'vitest';
import { REPO_ROOT } from '../support/npm-run.js';
import { README_SCREENSHOTS_DIR, readmeScreenshot } from './support/artefacts.js';
import { lowContrastInBothThemes } from './support/contrast.js';
import { exchangeContacts, onboard } from './support/flows.js';
import { ChatView } from './support/pages/chat-view.js';
import { GroupInfoDialog, GroupInvitation, NewGroupDialog } from './support/pages/groups.js';
import { MainWindow } from './support/pages/main-window.js';
import { storySteps } from './support/story.js';
import { ui } from './support/ui-expect.js';
import { type E2eUser, type E2eWorld, useThreePeople } from './support/world.js';

/** An 8×8 PNG, the group photo Alice picks. */
const GROUP_PHOTO_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGPQqDiBFTEMLQkAAtVaAcSRe60AAAAASUVORK5CYII=';

const people = useThreePeople('group-chat');
let world: E2eWorld;
let alice: E2eUser;
let bob: E2eUser;
let carol: E2eUser;
const chats = new Map<E2eUser, ChatView>();
const startedAt = Date.now();

beforeAll(() => {
  ({ world, alice, bob, carol } = people);
});

function chat(user: E2eUser): ChatView {
  const view = chats.get(user);
  if (view === undefined) throw new Error(`${user.name} has no group open`);
  return view;
}

async function colourOf(locator: Locator): Promise<string> {
  return locator.evaluate((element) => getComputedStyle(element).color);
}

describe('group chat', () => {
  const step = storySteps();

  step('three people add each other', async () => {
    const codes = await Promise.all([alice, bob, carol].map((user) => onboard(user, world.relay.url)));
    const [aliceCode, bobCode, carolCode] = codes.map((code) => code ?? '');
    const entry = (user: E2eUser, code: string | undefined) => ({ user, code: code ?? '' });
    await exchangeContacts([entry(alice, aliceCode), entry(bob, bobCode)]);
    await exchangeContacts([entry(alice, aliceCode), entry(carol, carolCode)]);
    await exchangeContacts([entry(bob, bobCode), entry(carol, carolCode)]);
  });

  step('Alice makes a group of three from her contacts; it opens and heads her list', async () => {
    const main = new MainWindow(alice.page);
    await main.newGroupButton.click();
    const dialog = new NewGroupDialog(alice.page);
    await ui(dialog.dialog).toBeVisible();
    await ui(dialog.contacts).toHaveCount(2);
    await dialog.contactFilter.fill('car');
    await ui(dialog.contacts).toHaveCount(1);
    await dialog.contact('Carol').check();
    await dialog.contactFilter.fill('');
    await dialog.contact('Bob').check();
    // No name yet: one sentence, nothing created.
    await dialog.createButton.click();
    await ui(dialog.dialog.getByRole('alert')).toHaveText('Give the group a name.');
    await dialog.nameField.fill('Hikers');
    await dialog.createButton.click();
    await ui(dialog.dialog).toBeHidden();

    const view = new ChatView(alice.page, 'Hikers');
    chats.set(alice, view);
    await ui(view.heading).toBeVisible();
    await ui(view.memberCount).toHaveText('3 members');
    await ui(view.composer).toBeEditable();
    await ui(view.timeline('You created the group "Hikers"')).toBeVisible();
    await ui(main.conversation('Hikers')).toHaveAccessibleName(/^Hikers, group, 3 members/);
  });

  step('Bob and Carol see who invited them and to what, and accept', async () => {
    for (const user of [bob, carol]) {
      const main = new MainWindow(user.page);
      await ui(main.conversation('Hikers')).toHaveAccessibleName(/^Hikers, group invitation/);
      await main.conversation('Hikers').click();
      const view = new ChatView(user.page, 'Hikers');
      chats.set(user, view);
      await ui(view.heading).toBeVisible();
      const invitation = new GroupInvitation(user.page);
      await ui(invitation.region).toContainText('Alice invited you to Hikers.');
      await ui(invitation.members).toHaveText(user === bob ? 'Members: Alice, Carol' : 'Members: Alice, Bob');
      await ui(view.composer).toHaveCount(0);
      await invitation.action('Accept').click();
      await ui(view.composer).toBeEditable();
      await ui(invitation.region).toHaveCount(0);
    }
    // Everyone knows everyone joined before anyone writes.
    for (const user of [alice, bob, carol]) {
      for (const joined of [bob, carol]) {
        await ui(chat(user).timeline(joined === user ? 'You joined' : `${joined.name} joined`)).toBeVisible();
      }
    }
  });

  step('all three write; each sees who wrote, in the same colour everywhere; Alice sees "Read by 2 of 2"', async () => {
    const lines = [
      { from: alice, text: 'Who is coming on Saturday?' },
      { from: bob, text: 'Count me in' },
      { from: carol, text: 'Me too, I bring the map' },
    ];
    for (const { from, text } of lines) {
      await chat(from).write(text);
      for (const reader of [alice, bob, carol].filter((user) => user !== from)) {
        const row = chat(reader).message(text);
        await ui(row).toHaveAttribute('data-direction', 'incoming');
        await ui(chat(reader).sender(text)).toHaveText(from.name);
      }
      await ui(chat(from).sender(text)).toHaveCount(0);
    }
    // One member, one colour: Alice's name is drawn alike for Bob and Carol, and differs from no rule.
    expect(await colourOf(chat(bob).sender('Who is coming on Saturday?'))).toBe(
      await colourOf(chat(carol).sender('Who is coming on Saturday?')),
    );
    expect(await colourOf(chat(alice).sender('Count me in'))).toBe(await colourOf(chat(carol).sender('Count me in')));

    await ui(chat(alice).delivery('Who is coming on Saturday?')).toHaveAccessibleName('Read by 2 of 2');
    await ui(chat(alice).message('Who is coming on Saturday?')).toHaveAttribute('data-state', 'read');
    await ui(chat(bob).delivery('Count me in')).toHaveAccessibleName('Read by 2 of 2');
    for (const user of [alice, bob, carol]) {
      expect(await chat(user).texts()).toEqual(lines.map((line) => line.text));
    }
  });

  step('Alice mentions Bob by picking him after "@": the mention is highlighted for everyone', async () => {
    const composer = chat(alice).composer;
    await composer.click();
    await composer.pressSequentially('Bring snacks @Bo');
    const list = alice.page.getByTestId('mention-list');
    await ui(list).toBeVisible();
    await ui(list.getByRole('option')).toHaveText(['Bob']);
    await composer.press('Enter');
    await ui(list).toBeHidden();
    await ui(composer).toHaveValue('Bring snacks @Bob ');
    await composer.pressSequentially('please');
    await composer.press('Enter');
    await ui(composer).toHaveValue('');
    const text = 'Bring snacks @Bob please';
    for (const user of [alice, bob, carol]) {
      const row = chat(user).message(text);
      await ui(row).toHaveCount(1);
      await ui(row.getByTestId('mention')).toHaveText('@Bob');
    }
    expect(await lowContrastInBothThemes(bob.page, 'a mention')).toEqual([]);
  });

  step('Alice renames the group; Bob and Carol see the new name; text meets AA; README shows the group', async () => {
    await chat(alice).groupInfoButton.click();
    const info = new GroupInfoDialog(alice.page);
    await ui(info.dialog).toBeVisible();
    await ui(info.members).toHaveCount(3);
    await ui(info.member('You')).toContainText('Admin');
    // Alice is the admin: she may remove and promote the others.
    await ui(info.removeButton('Bob')).toBeVisible();
    await ui(info.makeAdminButton('Carol')).toBeVisible();
    expect(await lowContrastInBothThemes(alice.page, 'group info')).toEqual([]);
    await info.nameField.fill('Weekend hikers');
    await info.renameButton.click();
    await ui(info.dialog.getByRole('heading', { name: 'Weekend hikers', exact: true })).toBeVisible();
    await info.closeButton.click();
    await ui(info.dialog).toBeHidden();

    for (const user of [alice, bob, carol]) {
      const renamed = new ChatView(user.page, 'Weekend hikers');
      chats.set(user, renamed);
      await ui(renamed.heading).toBeVisible();
      await ui(new MainWindow(user.page).conversation('Weekend hikers')).toBeVisible();
      const who = user === alice ? 'You' : 'Alice';
      await ui(renamed.timeline(`${who} renamed the group to "Weekend hikers"`)).toBeVisible();
    }

    // Bob is no admin: his panel offers no Remove and no Make admin.
    await chat(bob).groupInfoButton.click();
    const bobInfo = new GroupInfoDialog(bob.page);
    await ui(bobInfo.members).toHaveCount(3);
    await ui(bobInfo.dialog.getByRole('button', { name: /^(Remove|Make) / })).toHaveCount(0);
    await ui(bobInfo.leaveButton).toBeVisible();
    await bobInfo.closeButton.click();

    await chat(alice).composer.focus();
    // Senders' names in their colours, timeline notices, the member count: AA in both themes.
    expect(await lowContrastInBothThemes(bob.page, 'group chat', ['message-bubble'])).toEqual([]);
    await readmeScreenshot(alice.page, 'group-chat-light.png', 'light');
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('docs/screenshots/group-chat-light.png');
    expect(statSync(join(README_SCREENSHOTS_DIR, 'group-chat-light.png')).mtimeMs).toBeGreaterThanOrEqual(startedAt);
  });

  step(
    'Alice gives the group a photo in Group info: every list and header shows it, with a timeline line',
    async () => {
      await chat(alice).groupInfoButton.click();
      const info = new GroupInfoDialog(alice.page);
      await ui(info.dialog).toBeVisible();
      await info.dialog.locator('input[type="file"]').setInputFiles({
        name: 'hikers.png',
        mimeType: 'image/png',
        buffer: Buffer.from(GROUP_PHOTO_PNG, 'base64'),
      });
      await ui(info.dialog.getByRole('button', { name: 'Remove photo', exact: true })).toBeVisible();
      await info.closeButton.click();
      await ui(info.dialog).toBeHidden();
      for (const user of [alice, bob, carol]) {
        const row = new MainWindow(user.page).conversation('Weekend hikers');
        await ui(row.locator('img.avatar')).toHaveCount(1);
        await ui(row.locator('img.avatar')).toHaveAttribute('src', /^data:image\//);
        const who = user === alice ? 'You' : 'Alice';
        await ui(chat(user).timeline(`${who} changed the group photo`)).toBeVisible();
      }
    },
  );

  step('Alice removes Carol: Carol is told she is no longer a member', async () => {
    await chat(alice).groupInfoButton.click();
    const info = new GroupInfoDialog(alice.page);
    await info.removeButton('Carol').click();
    await info.confirmation('Remove').click();
    await ui(info.members).toHaveCount(2);
    await info.closeButton.click();
    await ui(chat(alice).memberCount).toHaveText('2 members');
    await ui(chat(alice).timeline('You removed Carol')).toBeVisible();

    await ui(chat(carol).notAMember).toHaveText(
      "You're no longer a member of this group, so you can't send or receive its messages.",
    );
    await ui(chat(carol).composer).toHaveCount(0);
    await ui(chat(bob).timeline('Alice removed Carol')).toBeVisible();
    // Carol's earlier message still carries her name.
    await ui(chat(alice).sender('Me too, I bring the map')).toHaveText('Carol');

    await chat(alice).write('See you both on Saturday');
    await ui(chat(bob).message('See you both on Saturday')).toHaveAttribute('data-direction', 'incoming');
    await ui(chat(alice).delivery('See you both on Saturday')).toHaveAccessibleName(/of 1$/);
    await ui(chat(carol).message('See you both on Saturday')).toHaveCount(0);
  });

  step('Alice adds Carol back from her contacts; Carol declines, asked first', async () => {
    await chat(alice).groupInfoButton.click();
    const info = new GroupInfoDialog(alice.page);
    await info.addMembersButton.click();
    // Bob is in the group already: the picker offers Carol only.
    await ui(info.contacts).toHaveCount(1);
    await info.contact('Carol').check();
    await info.inviteButton.click();
    await ui(info.member('Carol')).toContainText('Invited');
    await ui(info.members).toHaveCount(3);
    await info.closeButton.click();

    const invitation = new GroupInvitation(carol.page);
    await ui(invitation.region).toContainText('Alice invited you to Weekend hikers.');
    await invitation.action('Decline').click();
    await invitation.confirmDecline.click();
    await ui(chat(carol).notAMember).toBeVisible();
    await ui(chat(alice).timeline('Carol declined the invitation')).toBeVisible();
    await ui(chat(alice).memberCount).toHaveText('2 members');
  });
});
