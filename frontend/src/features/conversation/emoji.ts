/** The bundled emoji set of the picker (no network): categories, and names in Russian and
 * English for search. */

export interface Emoji {
  char: string;
  ru: string;
  en: string;
}

export type EmojiCategory = "smileys" | "people" | "nature" | "food" | "activity" | "objects" | "symbols";

function list(rows: string): Emoji[] {
  return rows
    .trim()
    .split("\n")
    .map((line) => {
      const [char, ru, en] = line.split("|").map((part) => part.trim());
      return { char: char!, ru: ru!, en: en! };
    });
}

export const EMOJI: Record<EmojiCategory, Emoji[]> = {
  smileys: list(`
😀|улыбка широкая радость|grinning face smile
😃|улыбка радость|smiley happy
😄|смех улыбка глаза|smile laughing eyes
😁|сияющая улыбка|beaming grin
😆|хохот смех|laughing squinting
😅|смех пот неловко|sweat smile
😂|слёзы от смеха|tears of joy laugh
🤣|катаюсь от смеха|rolling on the floor laughing
🙂|лёгкая улыбка|slightly smiling
🙃|перевёрнутое лицо|upside down
😉|подмигивание|wink
😊|румянец улыбка|blush smiling
😇|ангел нимб|halo angel innocent
🥰|влюблённость сердечки|smiling hearts love
😍|глаза сердечки любовь|heart eyes love
😘|воздушный поцелуй|kiss blowing
😋|вкусно|yum tasty
😎|крутой очки|cool sunglasses
🤓|ботаник очки|nerd glasses
🤔|думаю размышление|thinking
🤨|бровь сомнение|raised eyebrow doubt
😐|нейтрально|neutral
😑|без выражения|expressionless
😶|без слов молчание|no mouth silent
🙄|закатить глаза|rolling eyes
😏|ухмылка|smirk
😬|гримаса неловко|grimacing awkward
😌|облегчение|relieved
😔|задумчиво грустно|pensive
😴|сон спать|sleeping
😷|маска болею|mask sick
🤒|температура болезнь|thermometer ill
🤯|взрыв мозга|exploding head mind blown
🥳|праздник вечеринка|party celebration
😕|растерянность|confused
😟|беспокойство|worried
😮|удивление|open mouth surprised
😲|изумление шок|astonished shock
😳|смущение|flushed embarrassed
🥺|умоляю|pleading
😢|плачу слеза|crying tear
😭|рыдаю|sobbing loudly crying
😱|крик ужас|screaming fear
😤|негодование|huffing triumph
😡|злость гнев|angry pouting rage
🤬|ругательства|cursing swearing
🤝|рукопожатие договорились|handshake deal
`),
  people: list(`
👍|нравится класс да|thumbs up like yes
👎|не нравится нет|thumbs down dislike no
👌|хорошо окей|ok hand
✌️|победа мир|victory peace
🤞|скрещённые пальцы удача|crossed fingers luck
👏|аплодисменты браво|clapping applause
🙌|ура руки вверх|raising hands hooray
👐|открытые ладони|open hands
🙏|спасибо пожалуйста молитва|folded hands thanks please
💪|сила бицепс|flexed biceps strong
👋|привет пока машу|waving hello bye
✋|стоп ладонь|raised hand stop
👉|указываю вправо|pointing right
👈|указываю влево|pointing left
👆|указываю вверх|pointing up
👇|указываю вниз|pointing down
☝️|внимание один|index up attention
✍️|пишу|writing hand
👀|глаза смотрю|eyes looking
🧠|мозг|brain
👤|человек силуэт|bust person
👥|люди группа|people group
🧑‍💻|программист|technologist coder
🧑‍💼|офисный работник|office worker
`),
  nature: list(`
☀️|солнце|sun
⛅|облачно|cloudy
🌧️|дождь|rain
❄️|снежинка снег|snowflake snow
⚡|молния|lightning
🔥|огонь горит|fire hot
🌈|радуга|rainbow
🌲|ель дерево|evergreen tree
🌸|цветок сакура|blossom flower
🌹|роза|rose
🍀|клевер удача|four leaf clover luck
🐶|собака|dog
🐱|кошка|cat
🐻|медведь|bear
🦊|лиса|fox
🐝|пчела|bee
🐢|черепаха медленно|turtle slow
`),
  food: list(`
☕|кофе|coffee
🍵|чай|tea
🍰|торт|cake
🎂|день рождения торт|birthday cake
🍕|пицца|pizza
🍎|яблоко|apple
🍋|лимон|lemon
🥐|круассан|croissant
🍪|печенье|cookie
🍫|шоколад|chocolate
🍾|шампанское|champagne
🥂|бокалы тост|clinking glasses toast
`),
  activity: list(`
🎉|хлопушка праздник|party popper tada
🎊|конфетти|confetti
🎁|подарок|gift present
🏆|кубок победа|trophy win
🥇|первое место золото|first place gold medal
⚽|футбол|soccer football
🏃|бег|running
🎯|в цель|direct hit target
🎵|музыка нота|music note
📸|фото|camera flash photo
`),
  objects: list(`
📌|булавка закрепить|pushpin pin
📎|скрепка вложение|paperclip attachment
📄|документ страница|page document
📁|папка|folder
📅|календарь|calendar
⏰|будильник время|alarm clock
⌛|песочные часы ожидание|hourglass waiting
💡|идея лампочка|light bulb idea
📞|телефон звонок|telephone call
💻|ноутбук|laptop
🖨️|принтер|printer
📧|почта письмо|email
✉️|конверт|envelope
🔒|замок закрыто|lock
🔑|ключ|key
🛠️|инструменты|tools
📊|диаграмма|bar chart
📈|рост график|chart increasing
📉|падение график|chart decreasing
📝|заметка|memo note
🚀|ракета запуск|rocket launch
🏛️|здание учреждение|classical building institution
`),
  symbols: list(`
❤️|сердце любовь|red heart love
💙|синее сердце|blue heart
💔|разбитое сердце|broken heart
✅|готово галочка|check mark done
☑️|отмечено|ballot check
❌|крест нет|cross mark no
❗|восклицание важно|exclamation important
❓|вопрос|question
⚠️|внимание предупреждение|warning
🚫|запрещено|prohibited
💯|сто баллов|hundred points
🆗|ок|ok button
🆕|новое|new
🔴|красный круг|red circle
🟢|зелёный круг|green circle
⭐|звезда|star
✨|блеск искры|sparkles
➕|плюс|plus
➖|минус|minus
`),
};

export const CATEGORIES = Object.keys(EMOJI) as EmojiCategory[];

/** The reactions offered in one click. */
export const QUICK_REACTIONS = ["👍", "❤️", "😂", "😮", "😢", "🙏"];

/** Emoji whose Russian or English name has every word of `query` (case-insensitive). */
export function searchEmoji(query: string): Emoji[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return [];
  return CATEGORIES.flatMap((c) => EMOJI[c]).filter((e) => {
    const names = `${e.ru} ${e.en}`.toLowerCase();
    return words.every((w) => names.includes(w));
  });
}
