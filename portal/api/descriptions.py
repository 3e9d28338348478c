"""What every operation does and the rules a client must know, in the interface
language (the schema's ``description``, shown under each operation in /api/docs/). Keyed
by operationId like :data:`portal.api.summaries.SUMMARIES`; a new operation needs one here
(tests/api/test_schema.py checks)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

DESCRIPTIONS: dict[str, Any] = {
    "admin_devices_list": _(
        "Every device on the server, for IT staff, filterable by status, platform, "
        "user, agency and non_compliant=true; paged in the list envelope. Anyone else "
        "gets 404."
    ),
    "admin_devices_retrieve": _(
        "One device with its effective policy (and the assignment each rule came "
        "from) and whether it complies now. IT staff only; anyone else gets 404."
    ),
    "admin_devices_commands_list": _(
        "The remote commands issued to a device, newest first, with their states; "
        "paged in the list envelope. IT staff only; anyone else gets 404."
    ),
    "admin_devices_commands_create": _(
        "Issue a remote command to a device: lock, logout, wipe, refresh_policy or "
        "message. Logout, lock and wipe end the device's sessions at once (a wipe "
        "also blocks it until re-enrolment); the command reaches the device over its "
        "websocket now, or at its next check-in. IT staff only; the action is "
        "audited."
    ),
    "admin_devices_reenrol_create": _(
        "Let a wiped, locked or logged-out device sign in again: its status becomes "
        "active. IT staff only; the action is audited."
    ),
    "admin_policies_list": _(
        "Device policies, by name; paged in the list envelope. IT staff only; anyone else gets 404."
    ),
    "admin_policies_create": _(
        "Create a device policy: a unique name, a description and its rules (unknown "
        "or invalid rules are refused, naming each). It applies to nobody until it is "
        "assigned. IT staff only; the action is audited."
    ),
    "admin_policies_retrieve": _(
        "One device policy with its rules and assignments. IT staff only; anyone else gets 404."
    ),
    "admin_policies_partial_update": _(
        "Change a policy's name, description or rules (unknown or invalid rules are "
        "refused, naming each); the users it applies to get policy.update and their "
        "apps check in again. IT staff only; the action is audited."
    ),
    "admin_policies_destroy": _(
        "Delete a policy together with its assignments; the users it applied to get "
        "policy.update. IT staff only; the action is audited."
    ),
    "admin_policies_assignments_create": _(
        "Assign a policy to the whole server, an agency, a department or a user; the "
        "users affected get policy.update. A target that already has a policy is "
        "refused with 409 assignment_conflict: change or remove that assignment. IT "
        "staff only; the action is audited."
    ),
    "admin_policy_assignments_destroy": _(
        "Remove a policy assignment; the users affected get policy.update. IT staff "
        "only; the action is audited."
    ),
    "admin_users_effective_policy_retrieve": _(
        "The policy in force for a user, each rule with the assignment it came from "
        "(user, department, agency or server). IT staff only; anyone else gets 404."
    ),
    "agencies_list": _("The agencies on the server, by name; paged in the list envelope."),
    "agencies_departments_list": _(
        "An agency's departments as a flat list with parent ids, by name (the client "
        "builds the tree); paged in the list envelope."
    ),
    "attachments_link_retrieve": _(
        "A signed link to download an attachment (or its thumbnail), valid for the "
        "caller only, for DOWNLOAD_LINK_TTL seconds and only while they may still "
        "read the message. 404 if the attachment does not exist or its message is not "
        "visible to the caller."
    ),
    "calls_list": _(
        "Calls the caller made or received, newest first, each with its direction and "
        "whether it was a missed call of the caller (received and never answered: "
        "missed, cancelled or busy); paged in the list envelope."
    ),
    "calls_create": _(
        "Call a user (callee_id) or the other member of a direct conversation "
        "(conversation_id), audio or video, from this device. Anyone who may start a "
        "direct chat with the callee may call them; the call lives in that direct "
        "conversation. Every device of the callee gets call.incoming; the call is missed "
        "after CALL_RING_TIMEOUT seconds unless answered. A callee in another call makes "
        "the call busy (answered 201 with state busy, already ended); a caller in another "
        "call gets 409 already_in_call. 404 for a user or conversation the caller may not "
        "see; 400 call_self for oneself."
    ),
    "calls_retrieve": _("One call of the caller's; anybody else's is 404."),
    "calls_accept_create": _(
        "The callee answers on this device. The first device to accept wins: the others "
        "get call.answered_elsewhere, and their accept is 409 call_answered_elsewhere. "
        "Signalling (call.signal on the websocket) then goes between the caller's device "
        "and this one only. 404 for a call that is not the caller's."
    ),
    "calls_decline_create": _("The callee refuses a ringing call from any of their devices."),
    "calls_cancel_create": _(
        "The caller gives up before an answer (a missed call for the callee)."
    ),
    "calls_hangup_create": _(
        "Either party ends the call from any of their devices: an answered call ends; a "
        "ringing one is cancelled (caller) or declined (callee). 409 call_not_active when "
        "it is already over."
    ),
    "calls_active_list": _(
        "The caller's ringing or answered call (at most one): what a device that connects "
        "while a call rings shows."
    ),
    "calls_ice_servers_retrieve": _(
        "What RTCPeerConnection's iceServers takes: the STUN servers and, when TURN is "
        "configured, the TURN servers with a credential for the caller that expires at "
        "expires_at (coturn's shared-secret scheme). Empty when neither is configured: "
        "calls then work only where peers reach each other directly."
    ),
    "auth_2fa_retrieve": _(
        "Whether two-factor sign-in is enabled for the caller, whether their agency "
        "requires it, and how many recovery codes are left."
    ),
    "auth_2fa_confirm_create": _(
        "Finish enrolment with a first code from the authenticator app; answers ten "
        "single-use recovery codes, shown only once. Wrong codes are throttled (429 "
        "otp_throttled)."
    ),
    "auth_2fa_disable_create": _(
        "Turn two-factor sign-in off, proven with a current code; refused with "
        "two_factor_required_by_agency where the agency makes it mandatory. Wrong "
        "codes are throttled (429 otp_throttled)."
    ),
    "auth_2fa_enrol_create": _(
        "Start enrolment: a new secret, its otpauth:// URI and a QR code to scan "
        "(show the secret too, for manual entry). Two-factor sign-in is on only after "
        "confirmation."
    ),
    "auth_2fa_recovery_codes_create": _(
        "Replace all recovery codes with a new set of ten, proven with a current "
        "code; the old ones stop working. Wrong codes are throttled (429 "
        "otp_throttled)."
    ),
    "auth_csrf_retrieve": _(
        "Sets the csrftoken cookie (and returns it as csrf_token) that a browser "
        "client sends back in the X-CSRFToken header of every unsafe request. No "
        "sign-in needed."
    ),
    "auth_login_create": _(
        "Sign in an app with login, password and device: returns an access token "
        "bound to the device and a refresh token; signing in again with the same "
        "device id ends that device's previous session. With two-factor sign-in on, "
        "the first attempt answers 401 otp_required: repeat it with otp. Repeated "
        "failures are throttled (429 login_throttled)."
    ),
    "auth_logout_create": _(
        "End the session this request is made with (app token or browser session); "
        "its tokens stop working and its websockets close."
    ),
    "auth_refresh_create": _(
        "Exchange a refresh token for a new token pair; the old pair stops working. "
        "Each refresh token works once: store the new pair before using it; "
        "presenting a used one revokes the whole session. token_revoked means the "
        "session is over: show the sign-in screen."
    ),
    "auth_session_create": _(
        "Browser sign-in with login, password and, where enabled, a one-time code: "
        "sets the sessionid cookie and answers the profile. Send the X-CSRFToken "
        "header (GET /auth/csrf first); repeated failures are throttled like an app's "
        "sign-in."
    ),
    "auth_session_destroy": _(
        "Sign a browser out: ends its session and clears the session cookie. Send the "
        "X-CSRFToken header."
    ),
    "auth_sessions_list": _(
        "The caller's live sessions, one per signed-in device; the one making the "
        "request has current: true. Paged in the list envelope."
    ),
    "auth_sessions_destroy": _(
        "End one of the caller's sessions at once: its tokens stop working on the "
        "next request and its websockets close (code 4401). 404 if it is not the "
        "caller's live session."
    ),
    "auth_sessions_revoke_others_create": _(
        "End every session of the caller except the current one; answers how many were ended."
    ),
    "conversations_list": _(
        "The caller's conversations with their role, unread and mention counts and "
        "own settings, pinned first, then by the latest message (?q= filters by title "
        "or name): the whole list (at most 1000) in one page of the list envelope "
        "(next is null)."
    ),
    "conversations_create": _(
        "Create a group or a channel, with a title, owned by the caller, with the "
        "given active users as members (at most 10,000 in all); direct chats have "
        "their own endpoint. A system message records the creation."
    ),
    "conversations_retrieve": _(
        "A conversation the caller is a member of, as in their list: with their role, "
        "unread and mention counts and own settings. 404 if it does not exist or the "
        "caller is not a member."
    ),
    "conversations_partial_update": _(
        "Change the title, description, visibility, comments or edit window; only "
        "members holding change_settings may. A system message records what changed "
        "and the members get conversation.update."
    ),
    "conversations_attachments_create": _(
        "Upload a file (multipart field file, at most MAX_UPLOAD_BYTES) to send with "
        "a message; its id goes into the message's attachment_ids. Its type is "
        "detected from its bytes: programs, scripts, shortcuts and installers are "
        "refused (400 file_type_not_allowed). Only members who may post here may "
        "upload; uploads not sent within a day are deleted."
    ),
    "conversations_join_create": _(
        "Join a group or channel open to the caller's agency or to the whole server "
        "(see /conversations/discover), as a member; history before joining counts as "
        "read. 404 if it is not open to the caller."
    ),
    "conversations_members_list": _(
        "The current members with their profiles and roles, in the order they joined "
        "(the owner first), page by page. Any member may read them; others get 404."
    ),
    "conversations_members_create": _(
        "Add up to 1,000 users as members in one call; only holders of manage_members "
        "may. The call is recorded as one system message (members_added, or "
        "member_added for one user), and the members and the users added get one "
        "membership.add listing them in user_ids."
    ),
    "conversations_members_destroy": _(
        "Remove a member of a lower role (holders of manage_members), or leave with "
        "one's own id; the owner can do neither. The removed user gets "
        "membership.remove too and then receives nothing more from this conversation."
    ),
    "conversations_members_role_create": _(
        "Set a member's role up to the caller's own (holders of manage_members); the "
        "owner may name a new owner and then becomes an admin. Nobody changes the "
        "owner's role; the members get membership.update."
    ),
    "conversations_messages_list": _(
        "Message history, newest first, paged by seq in the list envelope: next pages "
        "to older messages. ?after=<seq> pages the other way (oldest first) and "
        "?around=<message id> is the window around one message (next: older, "
        "previous: newer). Messages the caller hid are left out. 404 if the caller "
        "is not a member."
    ),
    "conversations_pins_list": _(
        "The pinned messages, the latest pin first, in one page (at most 100). Any "
        "member may read them; others get 404."
    ),
    "conversations_messages_create": _(
        "Post a message (Markdown, up to 10,000 characters, or a thread reply with "
        "thread_root_id) with optional mentions and attachments. Idempotent by "
        "client_id: a retry with the same client_id answers 200 with the first "
        "message and creates nothing. Members get message.add; posting is throttled "
        "per user."
    ),
    "conversations_polls_create": _(
        "Post a poll as a message: a question and 2 to 10 distinct options, single or "
        "multiple choice, optionally anonymous. Who may post a message may post a "
        "poll; idempotent by client_id (a retry answers 200 with the first poll)."
    ),
    "conversations_read_create": _(
        "Move the caller's read position forward to seq (never back, never past the "
        "end) and answer it. The caller's devices get read.update; in direct and "
        "small group chats the other members do too (read receipts)."
    ),
    "conversations_scheduled_list": _(
        "The caller's own scheduled messages in a conversation, soonest first, with "
        "their state (pending, sent, cancelled, failed with error); paged in the list "
        "envelope."
    ),
    "conversations_scheduled_create": _(
        "Keep a message to be sent at send_at (in the future, at most a year ahead; "
        "otherwise 400 invalid_schedule). The checks of sending apply now and again "
        "when it is sent. Idempotent by client_id: a retry answers 200 with the first "
        "one."
    ),
    "conversations_settings_partial_update": _(
        "Change the caller's own settings in a conversation: muted until, pinned, "
        "archived. Only the caller's own devices get member_settings.update."
    ),
    "conversations_direct_create": _(
        "The one direct chat between the caller and another active user, created on "
        "first use; calling it again returns the same chat."
    ),
    "conversations_discover_list": _(
        "Groups and channels open to the caller's agency or to the whole server that "
        "the caller may join, by title (?q= filters by title); paged in the list "
        "envelope."
    ),
    "documents_versions_pdf_retrieve": _(
        "A signed link for the caller to the version as PDF: a PDF version itself, or "
        "the PDF LibreOffice made of an office file (409 preview_not_ready until it is "
        "made; 404 pdf_not_available for other types). With the agency's watermark on, "
        "every page served carries the caller's name and the time, and PDFs over "
        "WATERMARK_PDF_MAX_BYTES are refused (409). Any role on the document will do; "
        "anyone else gets 404."
    ),
    "documents_versions_preview_retry_create": _(
        "Make the version's preview again when it failed for a passing reason (retryable: "
        "interrupted, a time limit, LibreOffice missing or failing): it is pending again "
        "and the document_preview event tells when it is made. Anything else is 409 "
        "preview_not_retryable. Any role on the document will do; anyone else gets 404."
    ),
    "documents_versions_preview_retrieve": _(
        "The version's preview: its status (pending, ready, failed, unsupported, "
        "unavailable) with the reason, the page count and, once ready, signed links for "
        "the caller to a 320 px thumbnail and the page images (the image, or the first "
        "pages of a PDF or office file). With the agency's watermark on, every image "
        "served carries the caller's name and the time. Any role on the document will "
        "do; anyone else gets 404."
    ),
    "devices_checkin_create": _(
        "Report the device's state; get the effective policy, compliance and pending "
        "commands. Apps call it right after signing in, on every start and resume, "
        "and on policy.update. A refused device still gets its answer (compliant: "
        "false with the reasons); a device ended by a remote command gets 403 with "
        "its commands."
    ),
    "devices_commands_ack_create": _(
        "The device confirms it carried out one of its own commands; the token still "
        "works for this after a wipe or logout ended the session. Another device's "
        "command is 404; a second acknowledgement or one after expiry is refused and "
        "changes nothing."
    ),
    "files_retrieve": _(
        "Download the file behind a signed link the API handed out (an avatar, an "
        "attachment). Only the user the link was made for may use it, for about a "
        "minute and only while they may still see the file; otherwise 404. Supports "
        "one byte range (Range: bytes=…, 206) and HEAD."
    ),
    "me_retrieve": _(
        "The caller's own profile, with their agency, department, avatar links and "
        "two-factor status."
    ),
    "me_partial_update": _(
        "Change the caller's own phone, interface language and time zone; other "
        "fields are managed by administrators."
    ),
    "me_avatar_update": _(
        "Set the caller's avatar: a JPEG, PNG, WebP or GIF image in the multipart "
        "field file, at most AVATAR_MAX_BYTES. It comes back in the profile as signed "
        "links to square WebP pictures of 64, 128 and 256 pixels."
    ),
    "me_avatar_destroy": _(
        "Remove the caller's avatar; the profile then has no avatar links. Removing a "
        "missing avatar changes nothing."
    ),
    "me_password_create": _(
        "Change the caller's password, proving the current one; every other session "
        "of theirs ends. A wrong current password (401 invalid_credentials) counts "
        "toward the sign-in throttle of the login (429 login_throttled)."
    ),
    "messages_partial_update": _(
        "The author changes a text message within the conversation's edit window "
        "(else 403 edit_not_allowed); the replaced version is kept in the edit "
        "history. Members get message.update, except those who hid the message."
    ),
    "messages_destroy": _(
        "Delete a message for everyone, by its author or a conversation admin (else "
        "403 delete_not_allowed): a tombstone remains and the edit history is "
        "deleted. Members get message.remove, except those who hid the message."
    ),
    "messages_close_poll_create": _(
        "Close a poll: its author or a holder of moderate_messages. The results stay "
        "visible; votes after that are refused with 409 poll_closed. Members are told "
        "with poll.update."
    ),
    "messages_edits_list": _(
        "The earlier versions of a message, oldest first, to any member who can read "
        "it; the current text is the message itself. Empty once the message is "
        "deleted for everyone. Paged in the list envelope."
    ),
    "messages_follow_create": _(
        "Follow (follow: true) or stop following (follow: false) the thread under a "
        "message the caller can read. Repeating either changes nothing."
    ),
    "messages_forward_create": _(
        "Forward a copy of a message the caller can read into a conversation where "
        "they may post, keeping a reference to the original author and conversation. "
        "Idempotent by client_id: a retry answers 200 with the first copy."
    ),
    "messages_hide_create": _(
        "Delete a message for the caller only: it leaves their history, thread "
        "replies and search results; other members are unaffected and unread counts "
        "do not change. Repeating it changes nothing; only the caller's own devices "
        "get hidden_message.add."
    ),
    "messages_hide_destroy": _(
        "Show a message the caller hid again. Repeating it changes nothing; only the "
        "caller's own devices get hidden_message.remove, with the message."
    ),
    "messages_pin_create": _(
        "Pin a message in its conversation; holders of pin_messages only (admins, and "
        "both members of a direct chat). Members get pin.add."
    ),
    "messages_pin_destroy": _(
        "Unpin a message; holders of pin_messages only. Members get pin.remove."
    ),
    "messages_reactions_create": _(
        "React to a message with one emoji; needs the react permission. A repeat of "
        "the same reaction changes nothing; a new one reaches the members as "
        "reaction.add."
    ),
    "messages_reactions_destroy": _(
        "Take back the caller's own reaction with this emoji; a missing one changes "
        "nothing. Members get reaction.remove."
    ),
    "messages_thread_retrieve": _(
        "The thread under a message: its root and the replies, oldest first, paged by "
        "seq (next pages forward)."
    ),
    "messages_vote_retrieve": _(
        "The options the caller chose in a poll, [] before voting; also in an anonymous "
        "poll, whose results name nobody. 400 invalid_vote for a message without a poll."
    ),
    "messages_vote_create": _(
        "Vote in a poll, replacing the caller's earlier vote; an empty list withdraws "
        "it, and several options are allowed only in a multiple-choice poll (else 400 "
        "invalid_vote). A closed poll answers 409 poll_closed; members are told with "
        "poll.update."
    ),
    "notifications_list": _(
        "The caller's notifications (mentions and direct messages received while none "
        "of their devices was connected), newest first; ?unread=true for unread only. "
        "Paged in the list envelope."
    ),
    "notifications_read_create": _(
        'Mark the caller\'s notifications read: the listed ones ({"ids": [...]}) or '
        'all of them ({"all": true}).'
    ),
    "notifications_settings_retrieve": _(
        "The caller's notification settings: whether they get an e-mail digest of "
        "unread notifications."
    ),
    "notifications_settings_partial_update": _(
        "Turn the e-mail digest of unread notifications on or off (email_digest). The "
        "digest names who wrote and where, never the message text."
    ),
    "presence_retrieve": _(
        "online, away or offline for up to 200 users (?user_ids=a,b,c); more, or an "
        "id that is not a UUID, is 400."
    ),
    "scheduled_messages_destroy": _(
        "The author cancels a scheduled message that has not been sent yet; one "
        "already sent, failed or cancelled stays as it is. 404 if it is not the "
        "caller's."
    ),
    "search_messages_list": _(
        "Full-text search over every message the caller can read now: the limit best "
        "matches in one page of the list envelope (next is null; narrow the query or "
        "the filters for more)."
    ),
    "sync_retrieve": _(
        "A client's starting state in one request: its profile, its conversations "
        "with unread counts and last messages, and the event id to resume the "
        "websocket from. Events during the answer are replayed over the websocket, so "
        "apply them idempotently by message id and seq."
    ),
    "users_list": _(
        "The staff directory: search by any part of a name (Russian or Latin "
        "letters), department (with its sub-departments), agency and position; paged "
        "in the list envelope."
    ),
    "users_retrieve": _(
        "An active user's directory card, visible to every signed-in user. 404 if "
        "there is no such active user."
    ),
    # documents: files (documents/api/views_files.py)
    "conversations_folder_retrieve": _(
        "The conversation's root folder, made on first use. Its members are editors of "
        "everything in it, its owner and admins owners. 404 for anyone who is not a "
        "current member."
    ),
    "documents_retrieve": _(
        "A document with the caller's role and its current version. 404 for a document "
        "that does not exist, is in the bin, or the caller holds no role on."
    ),
    "documents_partial_update": _(
        "Rename (editors) or move to another folder (owners who are editors of the "
        "target folder). A move changes who sees the document: those who lose it get "
        "document.remove."
    ),
    "documents_destroy": _(
        "Put the document in the bin (owners): it disappears for everyone at once and "
        "its download links stop working."
    ),
    "documents_comments_list": _(
        "The comments on the document and its versions, newest first, for everyone who "
        "sees it; paged in the list envelope."
    ),
    "documents_comments_create": _(
        "A comment on the document, or on one of its versions (version_id). Commenters, "
        "editors and owners; viewers get 403."
    ),
    "documents_comments_destroy": _("Delete a comment: its author, or an owner of the document."),
    "documents_shares_list": _(
        "The document's shares (users, departments, conversations with their roles), "
        "owners only; in one page."
    ),
    "documents_shares_create": _(
        "Give a role on the document to a user or a department of its agency, or to a "
        "conversation the caller is a member of (owners only). A conversation gets a "
        "document card in its chat. A grantee already shared with gets the new role "
        "(200)."
    ),
    "documents_shares_partial_update": _(
        "Change a share's role (owners only); it applies at once."
    ),
    "documents_shares_destroy": _(
        "Revoke a share (owners only): the grantees lose access at once, their download "
        "links included."
    ),
    "documents_versions_list": _(
        "The document's versions, newest first; paged in the list envelope."
    ),
    "documents_versions_create": _(
        "A new version of a file document (editors): multipart field file, at most "
        "MAX_UPLOAD_BYTES (larger files: uploads). With base_version_id, 412 "
        "version_conflict if another version was made since; nothing is stored then. "
        "Programs are refused (file_type_not_allowed) whatever they are called."
    ),
    "documents_versions_link_retrieve": _(
        "A signed link to the version's bytes for the caller only, valid "
        "DOWNLOAD_LINK_TTL seconds (60) and checked again on use: a revoked share or "
        "the bin closes it. It answers one byte range (206, 416)."
    ),
    "documents_versions_restore_create": _(
        "Make a copy of an earlier version the document's new version (source restore), "
        "editors only."
    ),
    "documents_roots_retrieve": _(
        "The caller's own root folder and their department's, made on first use. "
        "Conversation folders: GET conversations/{id}/folder."
    ),
    "documents_shared_list": _(
        "Documents shared with the caller, their department or a conversation they are "
        "in, the newest share first; paged in the list envelope."
    ),
    "folders_create": _("A subfolder (editors of the parent); it has its parent's owner."),
    "folders_retrieve": _(
        "A folder with its owner, the caller's role and its path from the root. 404 for "
        "a folder the caller does not see."
    ),
    "folders_partial_update": _(
        "Rename a subfolder (editors) and/or move it with everything in it (parent_id: "
        "editor on both folders; owner on it to move it into another owner's tree; never "
        "into itself or below itself). Roots are named after their owner and stay."
    ),
    "folders_destroy": _(
        "Delete an empty subfolder (editors): 409 folder_not_empty while it holds anything."
    ),
    "folders_contents_retrieve": _(
        "Every subfolder, and a page of the folder's documents by name (cursor and "
        "limit page the documents)."
    ),
    "folders_documents_create": _(
        "Multipart (file, optional name; at most MAX_UPLOAD_BYTES, else use uploads): a "
        "file document whose first version is the file, its type told from its bytes; "
        "programs are refused. JSON {kind: rich_text, name}: an empty rich-text "
        "document. Editors of the folder."
    ),
    "uploads_create": _(
        "Start a resumable upload of size bytes (at most DOCUMENT_MAX_BYTES: 413 before "
        "any byte is sent): a new document in folder_id, or a new version of "
        "document_id (with base_version_id: 412 if it is no longer current). Send the "
        "parts, then complete; unfinished uploads end a day after their last part."
    ),
    "uploads_retrieve": _(
        "The caller's upload with the numbers of the parts that arrived: after a broken "
        "connection, send the others."
    ),
    "uploads_destroy": _("Cancel the caller's upload: its parts are dropped."),
    "uploads_complete_create": _(
        "Join the parts: answers the new document (an upload to a folder) or the new "
        "version (to a document). 400 upload_incomplete names missing parts; 412 if "
        "another version was made since the base."
    ),
    "uploads_parts_update": _(
        "Part number n as the raw body (application/octet-stream): exactly part_size "
        "bytes, the last part the rest. Sending a part again replaces it. Programs are "
        "refused at part 1."
    ),
    # The approval workflow (documents/api/views_approval.py, docs/documents.md).
    "approval_delegations_list": _(
        "The delegations you gave or received that have not ended, newest first; paged in "
        "the list envelope."
    ),
    "approval_delegations_create": _(
        "Name a deputy who may decide your approval tasks in your place from from_date "
        "to to_date inclusive (dates in the server's time zone; ending today or later, "
        "at most 366 days). While it runs your tasks appear in the deputy's inbox and "
        "each decision records both of you."
    ),
    "approval_delegations_destroy": _(
        "End a delegation you gave; from now on the deputy cannot decide for you. 404 "
        "for any other delegation."
    ),
    "approval_templates_list": _(
        "The route templates of your agency, newest first, paged in the list envelope; "
        "editable says whether you created it (and so may change or delete it)."
    ),
    "approval_templates_create": _(
        "Save a route as a template of your agency: stages with approvers, mode and "
        "duration_hours (no fixed due times), an optional manager per stage and an "
        "optional signer. Everyone in the agency may start routes from it."
    ),
    "approval_templates_retrieve": _("A template of your agency; 404 for any other."),
    "approval_templates_partial_update": _(
        "Change a template's name, stages or signer: its creator only (403 "
        "approval_template_owner_required for others of the agency, 404 outside it). "
        "Routes already started keep their stages."
    ),
    "approval_templates_destroy": _(
        "Delete a template: its creator only. Routes started from it keep their stages."
    ),
    "approvals_inbox_list": _(
        "The approval tasks waiting for your decision, as an approver or as the deputy "
        "of one (on_behalf_of): overdue first, then by deadline, in one page. Each "
        "links to the document."
    ),
    "documents_route_retrieve": _(
        "The document's running approval route, or else its latest one, with its "
        "stages, approvers, each one's decision in the current cycle and every "
        "signature (void ones of earlier versions included). 404 document_not_found "
        "if you do not see the document, route_not_found if it never had a route."
    ),
    "documents_route_create": _(
        "Start an approval route on the document's current version (owners and "
        "editors): ordered stages, each with approvers, mode all or any, a deadline "
        "(duration_hours from the stage's start, or due_at) and an optional manager; "
        "an optional signer signs after the last stage; or a template_id. "
        "on_new_version says what a new version does while the route runs: restart "
        "the route or be refused. The document becomes in_approval; everyone the "
        "route names gets viewer access. 409 approval_route_running if one runs."
    ),
    "documents_route_cancel_create": _(
        "Stop the running route: whoever started it, or an owner of the document. "
        "The document is a draft again; its decisions stay in the history."
    ),
    "documents_route_decide_create": _(
        "Decide on the current stage as its approver or as the deputy of one: "
        "approve, reject or return for revision (a comment required for the last "
        "two). Each decision is a signature chained to the previous one. The last "
        "approval registers the document with the next number of the agency's "
        "journal. 409 approval_already_decided, 409 approval_not_your_turn (another "
        "stage's approver), 403 approval_not_approver, 404 if you do not see it."
    ),
    "documents_routes_list": _(
        "Every approval route of the document, newest first; paged in the list envelope."
    ),
    # documents: co-editing (documents/api/views_collab.py)
    "documents_edit_ticket_create": _(
        "A signed ticket for one socket to /ws/documents/{id}/ (pass it as ?ticket=), for "
        "clients that cannot set headers on a websocket. Bound to the caller, this sign-in "
        "session and this document; good for one connection within 60 seconds. Any role; "
        "role says whether the socket may change the text. Rich-text documents only."
    ),
    "documents_snapshots_retrieve": _(
        "The document's named versions, newest first. Any role may read them."
    ),
    "documents_snapshots_create": _(
        "Save the document's content now as a named version (editors). Restoring it "
        "later makes the content equal to it again."
    ),
    "documents_snapshots_restore_create": _(
        "Make the document's content that of a named version (editors): one new change, "
        "seen live by everyone editing and kept in the history."
    ),
    "documents_history_retrieve": _(
        "Who edited the document when, newest first: each entry one person's changes "
        "less than five minutes apart. Any role may read it."
    ),
    "documents_export_create": _(
        "The document's current text as a new version of it: format md (Markdown), "
        "docx or pdf, named after the document (editors)."
    ),
    "conferences_list": _(
        "The conferences the caller may see — organised, moderated, invited to, in "
        "their conversations, or joined right now — soonest first; paged in the list "
        "envelope."
    ),
    "conferences_create": _(
        "Schedule a conference: in a conversation the caller may post in (its members "
        "may join; 403 not_allowed_to_schedule for a read-only member or a channel's "
        "plain member), or for invitees — users and the members of departments and "
        "those below them. starts_at omitted is now; it may not be more than 5 minutes "
        "in the past or a year ahead; duration_minutes is 1 to 1440. Everyone who may "
        "see it gets conference.add."
    ),
    "conferences_retrieve": _(
        "One conference. A guest (with the pass of this conference) sees it without its "
        "conversation, organizer and moderators."
    ),
    "conferences_invitation_retrieve": _(
        "The RFC 5545 invitation (text/calendar): one VEVENT with its UID, times in "
        "UTC, organizer, invitees and the meeting's URL."
    ),
    "conferences_join_create": _(
        "Join (or come back to) the conference; answers the caller's place and what to "
        "connect to: the mesh's peers, or the Janus room with the caller's own token. A "
        "locked room takes nobody new (403 conference_locked); a removed participant "
        "may not come back (403 removed_from_conference); a full mesh without Janus is "
        "409 conference_full."
    ),
    "conferences_leave_create": _(
        "Leave the conference (or its lobby). A guest's pass stops working."
    ),
    "conferences_me_retrieve": _(
        "The caller's own place: in the lobby, joined (with the media to connect to), "
        "left or removed; both null when never in it. A guest in the lobby polls this "
        "to learn they were admitted."
    ),
    "conferences_me_partial_update": _(
        "What the caller's microphone, camera and screen share are now, and a raised or "
        "lowered hand; everyone joined gets conference_participant.update."
    ),
    "conferences_participants_list": _(
        "Those joined, in the order they arrived; moderators also see the lobby; "
        "someone not joined sees nobody. Paged in the list envelope."
    ),
    "conferences_ice_servers_retrieve": _(
        "STUN/TURN servers with an expiring TURN credential for the mesh's peer "
        "connections, as GET calls/ice-servers answers them; also for the conference's "
        "guests, whose TURN username names their participant id."
    ),
    "conferences_mute_create": _(
        "A moderator mutes one participant, or everyone joined but themself."
    ),
    "conferences_participants_remove_create": _(
        "A moderator removes a participant, joined or waiting: they are dropped from "
        "the Janus room and may not join again. The organizer cannot be removed."
    ),
    "conferences_participants_admit_create": _(
        "A moderator admits someone waiting in the lobby; they join at once."
    ),
    "conferences_lock_create": _(
        "A moderator locks the room (nobody new joins, guest links stop admitting) or unlocks it."
    ),
    "conferences_moderators_create": _(
        "A moderator names another moderator among those who already see the conference."
    ),
    "conferences_end_create": _(
        "A moderator ends the meeting: everyone leaves, guest passes stop working, the "
        "Janus room is destroyed."
    ),
    "conferences_guest_links_create": _(
        "A moderator creates a link for guests from outside the agency, valid 1 minute "
        "to 7 days; its secret is shown only in this answer."
    ),
    "conferences_guest_links_revoke_create": _(
        "A moderator revokes a guest link: nobody new joins by it (404 "
        "guest_link_invalid); passes it already gave stay valid. 404 "
        "guest_link_not_found for a link of another conference."
    ),
    "conferences_guest_join_create": _(
        "Open a guest link with a display name, without signing in: the guest waits in "
        "the lobby and gets a pass for this conference only. An expired link is 403 "
        "guest_link_expired; an unknown one 404 guest_link_invalid."
    ),
}
