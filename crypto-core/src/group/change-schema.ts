/**
 * The body of a signed group change, version 1 (docs/protocol.md §10,
 * Actions): one strict zod schema per action. A body states its group, its
 * own id, its Lamport clock, its author and the author's identity key, and
 * what it does. Browser-safe.
 */
import { z } from 'zod';
import { accountIdMatches } from '../address/account-id.js';
import {
  MAX_PROFILE_NAME_LENGTH,
  MAX_PROFILE_RELAY_URL_LENGTH,
  PROFILE_AVATAR_TYPES,
  uuidSchema,
  wellFormedText,
} from '../content/schema.js';
import { BASE64_PATTERN, base64SpareBitsZero, fromBase64 } from '../encoding.js';
import { accessKeySchema } from '../wire/access-key.js';
import { accountIdSchema, base64DecodedLength, identityKeySchema, timestampSchema } from '../wire/primitives.js';
import {
  MAX_GROUP_AVATAR_BYTES,
  MAX_GROUP_DESCRIPTION_LENGTH,
  MAX_GROUP_MEMBERS,
  MAX_GROUP_NAME_LENGTH,
} from './limits.js';

/** The change format version this build writes and understands. */
export const GROUP_CHANGE_VERSION = 1;

/** Every action of version 1, in the order docs/protocol.md §10 lists them. */
export const GROUP_ACTIONS = [
  'create',
  'invite',
  'accept',
  'decline',
  'leave',
  'remove',
  'promote',
  'rename',
  'describe',
  'set-avatar',
  'update-profile',
] as const;
export type GroupActionName = (typeof GROUP_ACTIONS)[number];

const relayUrlSchema = z.string().min(1).max(MAX_PROFILE_RELAY_URL_LENGTH);
const memberNameSchema = wellFormedText(1, MAX_PROFILE_NAME_LENGTH);
const groupNameSchema = wellFormedText(1, MAX_GROUP_NAME_LENGTH);
const descriptionSchema = wellFormedText(0, MAX_GROUP_DESCRIPTION_LENGTH);

/**
 * Avatar bytes: canonical base64 like every bytes field, where going over the
 * limit is a `too_big` issue (reported as GROUP_LIMIT, not as a malformed change).
 */
const avatarDataSchema = z
  .string()
  .min(4)
  .regex(BASE64_PATTERN, 'must be canonical base64')
  .refine(base64SpareBitsZero, 'must be canonical base64 (spare bits zero)')
  .superRefine((value, context) => {
    if (base64DecodedLength(value) > MAX_GROUP_AVATAR_BYTES) {
      context.addIssue({
        code: 'too_big',
        maximum: MAX_GROUP_AVATAR_BYTES,
        origin: 'string',
        inclusive: true,
        message: `avatar must be at most ${MAX_GROUP_AVATAR_BYTES} bytes`,
      });
    }
  });

export const groupAvatarSchema = z.strictObject({
  contentType: z.enum(PROFILE_AVATAR_TYPES),
  data: avatarDataSchema,
});

/** What a member tells the group about itself: where and how to reach it, and its name. */
export const memberProfileSchema = z.strictObject({
  relayUrl: relayUrlSchema,
  accessKey: accessKeySchema,
  name: memberNameSchema.optional(),
});

/**
 * Someone invited: what the inviter knows to reach them. `identityKey`, when
 * given, must be the key the account id commits to.
 */
export const memberRefSchema = z
  .strictObject({
    accountId: accountIdSchema,
    identityKey: identityKeySchema.optional(),
    relayUrl: relayUrlSchema,
    accessKey: accessKeySchema,
    name: memberNameSchema.optional(),
  })
  .refine(
    (ref) => ref.identityKey === undefined || accountIdMatches(ref.accountId, fromBase64(ref.identityKey)),
    'identityKey must be the key the accountId commits to',
  );

const distinct = (ids: readonly string[]): boolean => new Set(ids).size === ids.length;

/** Others named by a change: at most everyone but the author. */
const accountListSchema = z
  .array(accountIdSchema)
  .min(1)
  .max(MAX_GROUP_MEMBERS - 1)
  .refine(distinct, 'account ids must be distinct');
const memberRefListSchema = (min: number) =>
  z
    .array(memberRefSchema)
    .min(min)
    .max(MAX_GROUP_MEMBERS - 1)
    .refine((refs) => distinct(refs.map((ref) => ref.accountId)), 'members must be distinct');

const common = {
  v: z.literal(GROUP_CHANGE_VERSION),
  groupId: uuidSchema,
  id: uuidSchema,
  clock: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  author: accountIdSchema,
  authorKey: identityKeySchema,
  sentAt: timestampSchema,
};

const createSchema = z
  .strictObject({
    ...common,
    action: z.literal('create'),
    name: groupNameSchema,
    description: descriptionSchema.optional(),
    avatar: groupAvatarSchema.optional(),
    profile: memberProfileSchema,
    members: memberRefListSchema(0),
  })
  .refine((body) => body.members.every((ref) => ref.accountId !== body.author), 'the creator is not invited');

export const groupChangeBodySchema = z.discriminatedUnion('action', [
  createSchema,
  z.strictObject({ ...common, action: z.literal('invite'), members: memberRefListSchema(1) }),
  z.strictObject({ ...common, action: z.literal('accept'), profile: memberProfileSchema }),
  z.strictObject({ ...common, action: z.literal('decline') }),
  z.strictObject({ ...common, action: z.literal('leave') }),
  z.strictObject({ ...common, action: z.literal('remove'), members: accountListSchema }),
  z.strictObject({ ...common, action: z.literal('promote'), members: accountListSchema }),
  z.strictObject({ ...common, action: z.literal('rename'), name: groupNameSchema }),
  z.strictObject({ ...common, action: z.literal('describe'), description: descriptionSchema }),
  z.strictObject({ ...common, action: z.literal('set-avatar'), avatar: groupAvatarSchema.nullable() }),
  z.strictObject({ ...common, action: z.literal('update-profile'), profile: memberProfileSchema }),
]);

export type GroupChangeBody = z.infer<typeof groupChangeBodySchema>;
export type GroupAvatarWire = z.infer<typeof groupAvatarSchema>;
export type MemberProfileWire = z.infer<typeof memberProfileSchema>;
export type MemberRefWire = z.infer<typeof memberRefSchema>;

/** The keys every body has; the rest depend on the action. */
export type GroupChangeCommon = Pick<GroupChangeBody, keyof typeof common>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** What the author chooses: the action and its fields. The builder fills in the common keys. */
export type GroupAction = DistributiveOmit<GroupChangeBody, keyof typeof common>;
