"""The sidebar and the members panel as officials use them: unread badges that come and go
live, new chats through the dialog, discovering and joining, pin / mute / archive moving
items, the keyboard, and members managed by admins only; at 1280 and 768 px, axe-clean."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Locator, Page, expect

from messaging.models import Conversation
from messaging.services import conversation_create, conversation_mark_read, message_send
from portal.accounts.models import User
from tests.browser.harness import (
    BrowserSession,
    api_sign_in,
    assert_accessible,
    make_direct,
    make_group,
    shot,
)
from tests.factories.accounts import AgencyFactory, UserFactory
from tests.helpers.live import LiveServer

ITEM = '[data-testid="conversation-item"]'


def people(*names: tuple[str, str, str]) -> list[User]:
    """Officials of one agency: (login, last name, first name)."""
    agency = AgencyFactory.create()
    return [
        UserFactory.create(login=login, last_name=last, first_name=first, agency=agency)
        for login, last, first in names
    ]


def send(author: User, conversation: Conversation, body: str) -> None:
    """Before the pages open: through the service."""
    message_send(
        actor=author, conversation_id=conversation.pk, client_id=str(uuid.uuid4()), body=body
    )


def send_live(
    server: LiveServer,
    author: User,
    conversation: Conversation,
    body: str,
    *,
    mention: User | None = None,
) -> None:
    """While pages are open: over REST on the live server, as a client would. (A service
    called here could not ring the sockets: Playwright's loop runs in this thread, and the
    event would wait in the log until the socket next woke.)"""
    token = api_sign_in(server, author)["access_token"]
    response = server.http().post(
        f"{server.url}/api/v1/conversations/{conversation.pk}/messages",
        json={
            "client_id": str(uuid.uuid4()),
            "body": body,
            "mentions": {"users": [str(mention.pk)] if mention else []},
        },
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 201, response.text[:500]


def item(page: Page, title: str) -> Locator:
    return page.locator(f'{ITEM}[data-title="{title}"]')


def open_sidebar(page: Page, path: str = "/") -> None:
    page.goto(path)
    expect(page.get_by_test_id("sidebar")).to_be_visible()


def test_unread_badge_appears_live_and_clears_when_opened(page_for: BrowserSession) -> None:
    alice, bob = people(("alice", "Смирнова", "Алиса"), ("bob", "Петров", "Борис"))
    group = make_group(alice, bob, title="Совещание в пятницу")
    other = make_group(alice, bob, title="Кадровые вопросы")
    for conversation in (group, other):  # "created" is the first message: read it
        conversation_mark_read(actor=bob, conversation_id=conversation.pk, seq=1)
    page = page_for(bob)
    open_sidebar(page)
    row = item(page, "Совещание в пятницу")
    expect(row.get_by_test_id("unread-badge")).to_have_count(0)

    send_live(page_for.server, alice, group, "Переносим на **десять** утра")
    send_live(page_for.server, alice, group, "<b>Зал 305</b>")
    expect(row.get_by_test_id("unread-badge")).to_have_text("2")
    # the preview is plain text: the author, no Markdown markers, HTML shown as text
    expect(row.get_by_test_id("conversation-preview")).to_have_text(
        "Смирнова Алиса Сергеевич: <b>Зал 305</b>"
    )
    # the newest activity comes first
    expect(page.locator(ITEM).first).to_have_attribute("data-title", "Совещание в пятницу")
    shot(page, "unread")
    assert_accessible(page)

    row.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/c/{group.pk}$"))
    expect(row.get_by_test_id("unread-badge")).to_have_count(0)
    expect(row.get_by_role("link")).to_have_attribute("aria-current", "page")

    # and "mark as read" from the item's menu, without opening the chat
    send_live(page_for.server, alice, other, "@bob нужна справка", mention=bob)
    other_row = item(page, "Кадровые вопросы")
    expect(other_row.get_by_test_id("unread-badge")).to_have_text("1")
    expect(other_row.get_by_test_id("mention-badge")).to_have_text("@")
    other_row.get_by_test_id("item-menu-button").click()
    expect(page.get_by_role("menu")).to_be_visible()
    shot(page, "item-menu")
    assert_accessible(page)
    page.get_by_role("menuitem", name="Отметить прочитанным").click()
    expect(other_row.get_by_test_id("unread-badge")).to_have_count(0)
    expect(other_row.get_by_test_id("mention-badge")).to_have_count(0)


def test_a_new_group_with_a_member_appears_for_them_live(page_for: BrowserSession) -> None:
    alice, bob = people(("alice", "Смирнова", "Алиса"), ("bob", "Петров", "Борис"))
    bobs = page_for(bob)
    open_sidebar(bobs)
    expect(bobs.get_by_test_id("sidebar-empty")).to_be_visible()

    page = page_for(alice)
    open_sidebar(page)
    page.get_by_test_id("new-chat-button").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("radio", name="Группа").click()
    # validation in the form: no title
    dialog.get_by_test_id("new-chat-submit").click()
    expect(dialog.get_by_text("Введите название")).to_be_visible()
    dialog.get_by_label("Название").fill("Подготовка к проверке")
    dialog.get_by_label("Описание").fill("Материалы и сроки")
    dialog.get_by_test_id("member-search-input").fill("Петров")
    dialog.locator('[data-testid="user-result"][data-login="bob"]').click()
    expect(dialog.get_by_test_id("picked-members")).to_contain_text("Петров Борис")
    shot(page, "new-group-dialog")
    assert_accessible(page)
    dialog.get_by_test_id("new-chat-submit").click()

    expect(page.get_by_role("dialog")).to_have_count(0)
    created = Conversation.objects.get(title="Подготовка к проверке")
    expect(page).to_have_url(re.compile(rf"/c/{created.pk}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Подготовка к проверке")
    expect(item(bobs, "Подготовка к проверке")).to_be_visible()
    expect(bobs.get_by_test_id("sidebar-empty")).to_have_count(0)
    shot(bobs, "bob-sees-the-group")


def test_a_channel_from_the_dialog_and_a_server_error_is_readable(page_for: BrowserSession) -> None:
    [alice] = people(("alice", "Смирнова", "Алиса"))
    page = page_for(alice)
    open_sidebar(page)
    page.get_by_test_id("new-chat-button").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("radio", name="Канал").click()
    dialog.get_by_label("Название").fill("Объявления отдела")
    dialog.get_by_label("Кто может найти и вступить").select_option("agency")
    expect(dialog.get_by_label("Разрешить комментарии к постам")).to_be_checked()
    dialog.get_by_test_id("new-chat-submit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Объявления отдела")
    channel = Conversation.objects.get(title="Объявления отдела")
    assert (channel.kind, channel.visibility, channel.comments_enabled) == (
        "channel", "agency", True
    )  # fmt: skip


def test_a_direct_chat_through_the_dialog(page_for: BrowserSession) -> None:
    alice, _bob = people(("alice", "Смирнова", "Алиса"), ("bob", "Петров", "Борис"))
    page = page_for(alice)
    open_sidebar(page)
    page.get_by_test_id("new-chat-button").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("radio", name="Личный чат")).to_have_attribute("aria-checked", "true")
    dialog.get_by_label("Кому написать").fill("петров")
    expect(dialog.get_by_test_id("user-result")).to_have_count(1)
    assert_accessible(page)
    dialog.get_by_test_id("user-result").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Петров Борис")
    expect(item(page, "Петров Борис Сергеевич")).to_be_visible()
    direct = Conversation.objects.get(kind="direct")
    expect(page).to_have_url(re.compile(rf"/c/{direct.pk}$"))


def test_discover_and_join(page_for: BrowserSession) -> None:
    alice, carol = people(("alice", "Смирнова", "Алиса"), ("carol", "Волкова", "Наталья"))
    conversation_create(actor=carol, kind="group", title="Профсоюз", visibility="agency")
    conversation_create(actor=carol, kind="channel", title="Новости ведомства", visibility="agency")
    conversation_create(actor=carol, kind="group", title="Закрытая группа")
    page = page_for(alice)
    open_sidebar(page)
    page.get_by_test_id("discover-button").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_test_id("discover-item")).to_have_count(2)
    dialog.get_by_label("Название").fill("проф")
    expect(dialog.get_by_test_id("discover-item")).to_have_count(1)
    shot(page, "discover")
    assert_accessible(page)
    dialog.get_by_test_id("discover-join").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_have_text("Профсоюз")
    expect(item(page, "Профсоюз")).to_be_visible()
    # joined: no longer offered
    page.get_by_test_id("discover-button").click()
    expect(page.get_by_role("dialog").get_by_test_id("discover-item")).to_have_count(1)
    expect(page.get_by_role("dialog").get_by_test_id("discover-item")).to_have_attribute(
        "data-title", "Новости ведомства"
    )
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_pin_mute_and_archive_move_items_on_every_tab(page_for: BrowserSession) -> None:
    alice, bob = people(("alice", "Смирнова", "Алиса"), ("bob", "Петров", "Борис"))
    first = make_group(bob, alice, title="Первая")
    second = make_group(bob, alice, title="Вторая")
    third = make_group(bob, alice, title="Третья")
    for conversation in (first, second, third):
        send(bob, conversation, f"Сообщение в «{conversation.title}»")
    page, other_tab = page_for(alice), page_for(alice)
    open_sidebar(page)
    open_sidebar(other_tab)
    titles = page.locator(f'[data-testid="conversation-list"] {ITEM}')
    expect(titles).to_have_count(3)
    assert [t.get_attribute("data-title") for t in titles.all()] == ["Третья", "Вторая", "Первая"]

    def choose(title: str, action: str) -> None:
        item(page, title).get_by_test_id("item-menu-button").click()
        page.get_by_role("menuitem", name=action).click()

    choose("Первая", "Закрепить")
    expect(page.locator(ITEM).first).to_have_attribute("data-title", "Первая")
    expect(item(page, "Первая").get_by_test_id("pinned-icon")).to_be_visible()
    expect(other_tab.locator(ITEM).first).to_have_attribute("data-title", "Первая")

    choose("Вторая", "Без звука на 8 часов")
    expect(item(page, "Вторая")).to_have_attribute("data-muted", "true")
    expect(item(page, "Вторая").get_by_test_id("unread-badge")).to_have_class(
        re.compile("muted-badge")
    )
    expect(item(other_tab, "Вторая").get_by_test_id("muted-icon")).to_be_visible()

    choose("Третья", "В архив")
    expect(page.get_by_test_id("archive-toggle")).to_have_text(re.compile("Архив \\(1\\)"))
    expect(page.locator(f'[data-testid="conversation-list"] {ITEM}')).to_have_count(2)
    expect(item(page, "Третья")).to_have_count(0)  # folded away
    page.get_by_test_id("archive-toggle").click()
    expect(page.get_by_test_id("archive-list").locator(ITEM)).to_have_attribute(
        "data-title", "Третья"
    )
    expect(other_tab.get_by_test_id("archive-toggle")).to_be_visible()
    shot(page, "pinned-muted-archived")
    assert_accessible(page)

    choose("Третья", "Вернуть из архива")
    expect(page.get_by_test_id("archive-toggle")).to_have_count(0)
    choose("Вторая", "Включить звук")
    expect(item(page, "Вторая")).to_have_attribute("data-muted", "false")
    choose("Первая", "Открепить")
    expect(item(page, "Первая")).to_have_attribute("data-pinned", "false")
    expect(page.locator(ITEM).first).to_have_attribute("data-title", "Третья")

    # leaving (bob owns these groups): the chat leaves the list on both tabs
    page.on("dialog", lambda dialog: dialog.accept())
    choose("Вторая", "Покинуть")
    expect(item(page, "Вторая")).to_have_count(0)
    expect(item(other_tab, "Вторая")).to_have_count(0)


def test_filter_and_keyboard(page_for: BrowserSession) -> None:
    alice, bob, carol = people(
        ("alice", "Смирнова", "Алиса"), ("bob", "Петров", "Борис"), ("carol", "Волкова", "Наталья")
    )
    direct = make_direct(alice, bob)
    budget = make_group(alice, carol, title="Бюджет 2027")
    hr = make_group(alice, carol, title="Кадры")
    send(carol, hr, "Раньше всех")
    send(carol, budget, "Позже")
    page = page_for(alice)
    open_sidebar(page)
    expect(page.locator(ITEM)).to_have_count(3)

    page.keyboard.press("Control+k")
    expect(page.get_by_test_id("sidebar-filter")).to_be_focused()
    page.keyboard.type("бюдж")
    expect(page.locator(ITEM)).to_have_count(1)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/c/{budget.pk}$"))

    # a name typed in Latin letters: the server's ?q= finds the direct chat
    page.get_by_test_id("sidebar-filter").fill("petrov")
    expect(page.locator(ITEM)).to_have_count(1)
    expect(page.locator(ITEM)).to_have_attribute("data-id", str(direct.pk))
    page.get_by_test_id("sidebar-filter").fill("нет такого чата")
    expect(page.get_by_test_id("sidebar-empty")).to_have_text("Ничего не найдено")
    page.get_by_test_id("sidebar-filter").press("Escape")
    expect(page.locator(ITEM)).to_have_count(3)

    # ↓ from the filter into the list, ↓ again, Enter opens
    page.get_by_test_id("sidebar-filter").press("ArrowDown")
    page.keyboard.press("ArrowDown")
    focused = page.evaluate(
        "() => document.activeElement.closest('[data-testid=conversation-item]').dataset.id"
    )
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/c/{focused}$"))
    # Alt+↑ / Alt+↓: the previous / next chat in the list
    order = [i.get_attribute("data-id") for i in page.locator(ITEM).all()]
    at = order.index(focused)
    page.keyboard.press("Alt+ArrowDown")
    expect(page).to_have_url(re.compile(rf"/c/{order[min(at + 1, 2)]}$"))
    page.keyboard.press("Alt+ArrowUp")
    expect(page).to_have_url(re.compile(rf"/c/{order[at]}$"))


def test_header_links_and_user_menu(page_for: BrowserSession) -> None:
    [alice] = people(("alice", "Смирнова", "Алиса"))
    page = page_for(alice)
    open_sidebar(page)
    # in English too
    page.evaluate("() => localStorage.setItem('portal.language', 'en')")
    page.reload()
    expect(page.get_by_test_id("new-chat-button")).to_have_text("New chat")
    expect(page.get_by_test_id("sidebar-empty")).to_contain_text("No chats yet")
    expect(page.get_by_role("navigation", name="Sections")).to_be_visible()
    page.evaluate("() => localStorage.setItem('portal.language', 'ru')")
    page.reload()
    expect(page.get_by_test_id("new-chat-button")).to_have_text("Новый чат")
    nav = page.get_by_role("navigation", name="Разделы")
    nav.get_by_role("link", name="Справочник").click()
    expect(page).to_have_url(re.compile(r"/directory$"))
    nav.get_by_role("link", name="Уведомления").click()
    expect(page).to_have_url(re.compile(r"/notifications$"))
    page.get_by_test_id("user-menu").click()
    expect(page.get_by_role("menuitem", name="Выйти")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("menu")).to_have_count(0)
    expect(page.get_by_test_id("user-menu")).to_be_focused()
    page.get_by_test_id("user-menu").click()
    page.get_by_role("menuitem", name="Выйти").click()
    expect(page.locator('form[name="sign-in"]')).to_be_visible()


def test_members_panel_for_an_admin_and_for_a_member(page_for: BrowserSession) -> None:
    alice, bob, carol, _dave, erin = people(
        ("alice", "Смирнова", "Алиса"), ("bob", "Петров", "Борис"), ("carol", "Волкова", "Наталья"),
        ("dave", "Лебедев", "Игорь"), ("erin", "Козлова", "Ольга"),
    )  # fmt: skip
    group = make_group(alice, bob, carol, erin, title="Штаб")

    member = page_for(erin)
    open_sidebar(member, f"/c/{group.pk}")
    member.get_by_test_id("conversation-info-button").click()
    panel = member.get_by_test_id("conversation-info")
    expect(panel.get_by_test_id("member-row")).to_have_count(4)
    # a plain member sees no admin controls
    expect(panel.get_by_test_id("members-add")).to_have_count(0)
    expect(panel.get_by_test_id("member-menu")).to_have_count(0)
    expect(panel.get_by_test_id("settings-form")).to_have_count(0)
    expect(panel.get_by_test_id("info-leave")).to_be_visible()
    shot(member, "members-as-member")
    assert_accessible(member)

    page = page_for(alice)
    open_sidebar(page, f"/c/{group.pk}")
    page.get_by_test_id("conversation-info-button").click()
    panel = page.get_by_test_id("conversation-info")
    rows = panel.get_by_test_id("member-row")
    expect(rows).to_have_count(4)
    expect(rows.first).to_have_attribute("data-login", "alice")
    expect(rows.first).to_contain_text("владелец")
    expect(panel.get_by_test_id("info-leave")).to_have_count(0)  # the owner cannot leave

    panel.get_by_test_id("members-add").click()
    panel.get_by_test_id("members-add-search-input").fill("Лебедев")
    panel.locator('[data-testid="user-result"][data-login="dave"]').click()
    expect(panel.locator('[data-testid="member-row"][data-login="dave"]')).to_be_visible()
    # the member's panel follows live
    expect(member.locator('[data-testid="member-row"][data-login="dave"]')).to_be_visible()

    bob_row = panel.locator('[data-testid="member-row"][data-login="bob"]')
    bob_row.get_by_test_id("member-menu").click()
    expect(page.get_by_role("menuitem", name="Передать владение")).to_be_visible()
    page.get_by_role("menuitem", name="Сделать: администратор").click()
    expect(bob_row).to_have_attribute("data-role", "admin")
    expect(member.locator('[data-testid="member-row"][data-login="bob"]')).to_have_attribute(
        "data-role", "admin"
    )

    page.on("dialog", lambda dialog: dialog.accept())
    carol_row = panel.locator('[data-testid="member-row"][data-login="carol"]')
    carol_row.get_by_test_id("member-menu").click()
    page.get_by_role("menuitem", name="Удалить из чата").click()
    expect(carol_row).to_have_count(0)
    expect(member.get_by_test_id("member-row")).to_have_count(4)

    # the settings form: a new title reaches the member's sidebar and panel
    panel.get_by_test_id("settings-title").fill("Штаб проекта")
    panel.get_by_test_id("settings-edit-window").select_option("3600")
    panel.get_by_test_id("settings-save").click()
    expect(panel.get_by_test_id("settings-saved")).to_be_visible()
    expect(item(member, "Штаб проекта")).to_be_visible()
    expect(member.get_by_test_id("info-name")).to_have_text("Штаб проекта")
    group.refresh_from_db()
    assert (group.title, group.edit_window_seconds) == ("Штаб проекта", 3600)
    shot(page, "members-as-owner")
    assert_accessible(page)

    # an admin (bob now) may not touch the owner or another admin
    bobs = page_for(bob)
    open_sidebar(bobs, f"/c/{group.pk}")
    bobs.get_by_test_id("conversation-info-button").click()
    bob_panel = bobs.get_by_test_id("conversation-info")
    expect(bob_panel.get_by_test_id("members-add")).to_be_visible()
    owner_row = bob_panel.locator('[data-testid="member-row"][data-login="alice"]')
    expect(owner_row.get_by_test_id("member-menu")).to_have_count(0)
    erin_row = bob_panel.locator('[data-testid="member-row"][data-login="erin"]')
    erin_row.get_by_test_id("member-menu").click()
    expect(bobs.get_by_role("menuitem")).to_have_count(3)  # admin, read-only, remove
    expect(bobs.get_by_role("menuitem", name="Передать владение")).to_have_count(0)


def test_layout_at_768_px(page_for: BrowserSession) -> None:
    alice, bob = people(("alice", "Смирнова", "Алиса"), ("bob", "Петров", "Борис"))
    group = make_group(
        alice, bob, title="Очень длинное название рабочей группы по подготовке отчёта"
    )
    make_direct(alice, bob)
    send(bob, group, "Коллеги, отчёт нужен к пятнице, " * 5)
    page = page_for(alice)
    page.set_viewport_size({"width": 768, "height": 900})
    open_sidebar(page, f"/c/{group.pk}")
    expect(page.locator(ITEM)).to_have_count(2)
    page.get_by_test_id("conversation-info-button").click()
    expect(page.get_by_test_id("conversation-info")).to_be_visible()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 768, width
    box = page.get_by_test_id("sidebar").bounding_box()
    assert box is not None and 200 <= box["width"] <= 340, box
    shot(page, "layout-768")
    assert_accessible(page)
