# 繁體中文（書面語）。Simplified Chinese is derived from this file by conversion, with the
# overrides in zh-Hans.ftl. Every message here has its twin in en.ftl, with the same variables.

## Buttons used on many screens

button-browse = 📚 瀏覽計劃
button-language = 🌐 Language / 語言
button-unsubscribe-some = 🔕 取消訂閱…

## The command menu (setMyCommands)

menu-start = 歡迎及問題示例
menu-help = 使用說明及問題示例
menu-schemes = 按類別瀏覽計劃
menu-scheme = 查看單一計劃，例如 /scheme tvp
menu-funding = 按資助金額排列計劃
menu-match = 我可以申請甚麼？
menu-lang = 回覆語言：English / 繁體 / 简体
menu-about = 資料來源、日期及聯絡方法
menu-subscribe = 計劃有更新時通知我
menu-unsubscribe = 取消訂閱
menu-subscriptions = 我的訂閱

## /start

welcome-title = 👋 你好！我可以解答香港創新科技（創科）計劃的問題。
welcome-intro = 我認識{ $count }個計劃，包括資助、初創支援、人才及科研等，資料來自官方來源（創新科技署、創新及科技基金、科技園、數碼港等）。
welcome-ask = 用中文或英文問我都可以，例如：
welcome-example-1 = • 科技券最多資助多少？
welcome-example-2 = • 誰可以申請科技人才入境計劃？
welcome-example-3 = • 有哪些人才計劃？
welcome-example-4 = • How do I apply for TechTAS?
welcome-commands = /schemes 瀏覽 · /funding 按金額 · /lang 語言 · /help 說明

## /help

help-title = 使用方法
help-intro = 用你自己的說法發問，中文（繁體或简体）或英文都可以。我會回覆最相關的計劃，並列出最多兩個你可能想查詢的計劃。
help-examples = 問題示例
help-example-1 = • 誰可以申請科技人才入境計劃？
help-example-2 = • 產學研1+計劃最多資助多少？
help-example-3 = • 有哪些初創資助？
help-example-4 = • How do I apply for TVP?
help-commands = 指令
help-command-schemes = /schemes — 按類別瀏覽計劃
help-command-scheme = /scheme <名稱> — 查看單一計劃，例如 /scheme 科技券
help-command-funding = /funding — 按資助金額由大至小排列
help-command-lang = /lang — 選擇回覆語言：English、繁體或简体
help-command-about = /about — 資料來源
help-groups = 在群組中
help-groups-how = 請提及我（@{ $me }）或回覆我的訊息。
help-inline = 在任何對話中
help-inline-how = 輸入 @{ $me } 加問題，即可分享計劃資料。
help-disclaimer = 我不是政府服務。申請前請先查閱官方網頁。

## /about

about-title = 關於本機械人
about-sources = 收錄{ $count }個香港創科計劃的資料，以我們自己的文字整理自官方來源：2024年施政報告、創新科技署及創新及科技基金網站、香港科技園公司、數碼港、入境事務處、大學教育資助委員會、數字政策辦公室及政府新聞公報。
about-as-of = 資料日期：
about-as-of-text = 每個計劃都註明資料最後核對的日期；所有計劃的核對日期介乎{ $oldest }至{ $newest }。金額以港幣計算。計劃會有變動，申請前請先查閱官方網頁。
about-itf = 創新及科技基金查詢：
about-other = 其他計劃：每個計劃都列明查詢方法；政府熱線為{ $line }。
about-links = 連結：
about-link-itf = 創新及科技基金
about-link-itf-url = https://www.itf.gov.hk/tc/
about-link-itc = 創新科技署
about-link-itc-url = https://www.itc.gov.hk/tc/
about-link-pa = 2024年施政報告
about-link-pa-url = https://www.policyaddress.gov.hk/2024/tc/p78.html
about-privacy = 私隱：
about-privacy-text = 為了理解追問（例如「多少錢？」），我會記住你上一個問題及相關計劃30分鐘。我未能解答的問題，以及被標記為👎的回覆，會在不保留任何用戶或對話編號的情況下保存90日，讓團隊補充資料。
about-unofficial = 非官方助手，並非政府服務。

## The language chooser (/lang)

language-name = 繁體中文
lang-auto = 自動（跟隨每個問題的語言）
lang-menu-title = 🌐 回覆語言
lang-menu-now = 目前：{ $name }
lang-menu-auto = 🔄 自動
lang-chosen = ✅ 我會用{ $name }回覆。
lang-chosen-auto = ✅ 我會按每個問題的語言回覆。

## Hints and short notices

slow-down = 🐢 你發訊息太快了，請等幾秒再問。
media-hint = 我只看得懂文字。請直接打字發問，例如「誰可以申請科技券？」
words-please = 請用文字發問，例如「科技券最多資助多少？」，或瀏覽所有計劃。
unknown-command = 我不認識這個指令。試試 /help，或直接發問。
scheme-usage = 請在 /scheme 後輸入計劃名稱或簡稱，例如 /scheme techtas 或 /scheme 科技券。或按下面瀏覽：
sorry = 抱歉，系統出了點問題，請再試一次。
expired-button = 這個按鈕已失效，請發送 /schemes 重新瀏覽。
scheme-gone = 找不到這個計劃，請發送 /schemes 重新瀏覽。

## Subscriptions

topic-all = 所有計劃
topic-category = { $category }類計劃
follow-stop = 🔕 取消訂閱
follow-start = 🔔 訂閱更新
subscribe-menu-title = 🔔 訂閱更新
subscribe-menu-text = 選擇想關注的內容。有更新時（例如新一輪申請、資助上限或配對比例改變、計劃推出或結束），我會發一個訊息通知你。
subscribe-menu-one = 關注單一計劃：輸入 /subscribe 加計劃名稱，例如 /subscribe 科技券，或按計劃下方的 🔔。
subscribe-menu-all = ⭐ 所有計劃
subscribed-scheme = ✅ 已訂閱：{ $topic }有更新時我會通知你。
subscribed-many = ✅ 已訂閱：{ $topic }有更新時我會通知你。
subscribed-already = ℹ️ 你已訂閱{ $topic }，毋須重複訂閱。
button-my-subscriptions = 📋 我的訂閱
toggled-subscribed = ✅ 已訂閱
toggled-already = 已經訂閱
toggled-unsubscribed = 🔕 已取消訂閱
toggled-not-subscribed = 未有訂閱
unsubscribed = 🔕 已取消訂閱{ $topic }。
unsubscribed-not-following = ℹ️ 你沒有訂閱{ $topic }。
unsubscribed-all = 🔕 已取消所有訂閱（{ $count }項）。
button-subscribe-again = 🔔 重新訂閱
unknown-topic = 找不到名為「{ $arg }」的計劃或類別。
button-choose-from-list = 🔔 從列表選擇
subscriptions-none = 你暫時沒有訂閱任何計劃。
button-subscribe = 🔔 訂閱
subscriptions-title = 📋 你的訂閱：
button-unsubscribe-all = ✖ 取消所有訂閱

## Admin screens

not-allowed = 抱歉，你沒有權限使用此指令。
gaps-title = 過去90日未能解答的問題（按次數排列）
gaps-none = 暫時沒有。
stats-title = 📊 統計
stats-chats = 對話：{ $active } 個活躍，{ $inactive } 個停用（封鎖或離開）
stats-outbox = 待發訊息：{ $pending } 個等待中，{ $sent } 個已送達，{ $failed } 個失敗，{ $dropped } 個已放棄
stats-by-topic = 按主題訂閱人數：
stats-none = 暫無
reloaded = ✅ 已重新載入：{ $schemes } 個計劃，{ $changes } 個有更改，已排隊發出 { $notices } 個通知。
reload-refused = ⚠️ 資料未能通過檢查，繼續使用原有資料。
broadcast-preview = 📢 向 { $count } 個訂閱對話發出以下公告？
button-send = ✅ 發出
button-cancel = ✖ 取消
broadcast-usage = 用法：/broadcast <公告內容>
broadcast-queued = 📢 已排隊發送給 { $count } 個對話。
broadcast-gone = 此公告已發出或已取消。
broadcast-cancelled = ✖ 已取消公告。

## Feedback on an answer (👍 / 👎)

feedback-thanks = 多謝你的意見！
feedback-what-was-missing = 抱歉未能幫上忙。你想找甚麼？請用幾個字告訴我，或按「略過」。
button-skip = 略過
feedback-skipped = 沒問題。有其他計劃的問題，隨時再問我。
feedback-comment-noted = 多謝，已轉告團隊。以下是我找到的資料：

## Small talk

smalltalk-greeting = 你好！👋 我解答香港創新科技計劃的問題，包括資助、人才及產業支援。
smalltalk-thanks = 不用客氣！有其他計劃的問題，隨時再問我。
smalltalk-bye = 再見，祝申請順利！有需要隨時再找我。
smalltalk-identity = 我是 schemebot，一個自動回覆的助手（不是真人，亦不是政府服務）。我根據香港創科計劃的資料回答，並註明資料日期及官方網頁連結。
smalltalk-help = 當然可以。用你自己的話告訴我你想找甚麼，或告訴我你的身份，我會列出你可以申請的計劃。
smalltalk-examples = 例如：
smalltalk-example-1 = • 我的餐廳想用二維碼點餐，有沒有資助？
smalltalk-example-2 = • 誰可以申請科技人才入境計劃？
smalltalk-example-3 = • 我是學生，可以申請甚麼計劃？
button-what-can-i-apply-for = 🧭 我可以申請甚麼？

## Lists of schemes

list-title = 我可以為你介紹以下香港創科計劃：
list-ask = 可以直接問我任何一個計劃，例如「最多資助多少？」或「誰可以申請？」。
button-all-categories = ⬅️ 所有類別
filtered-by-money = 按金額排列的計劃（由大至小）：
filtered-by-deadline = 即將截止的計劃：
filtered-open-for = 現正接受申請、適合{ $who }的計劃：
filtered-open = 現正接受申請的計劃：
filtered-for = { $who }可以申請的計劃：
filtered-all = 計劃：
filtered-none = 我現有的資料中沒有符合的計劃。可用 /schemes 瀏覽所有計劃。
filtered-open-as-of = 狀況截至{ $date }
filtered-footer = 根據我現有的資料整理；申請前請查閱各官方網頁。
suggestions-title = 我未能肯定你想問哪個計劃，你是指以下其中一個嗎？
suggestions-footer = 按下計劃名稱查看，或換個說法再問。
no-match = 抱歉，我找不到與你的問題相關的香港創科計劃。我可以解答創新科技資助、人才及產業計劃的問題。
no-match-try = 你可以問：
no-match-example-1 = • 企業支援計劃最多資助多少？
no-match-example-2 = • 誰可以申請科技人才入境計劃？
no-match-example-3 = • 有哪些人才計劃？
no-match-example-4 = • How do I apply for TechTAS?（也可以用英文問）
no-match-browse = 或用 /schemes 瀏覽所有計劃，每個計劃都列明查詢方法。
no-match-elsewhere = 其他政府服務可致電政府熱線{ $line }查詢。
which-scheme = 你想問哪個計劃？請在問題中寫出計劃名稱，或告訴我你的情況，我會找出合適的計劃。
which-scheme-example-name = • 誰可以申請科技人才入境計劃？
which-scheme-example-situation = • 我經營一間小餐廳，想用二維碼點餐，有沒有資助？
not-covered = 我只解答香港創科計劃，沒有{ $names }的資料；請致電政府熱線{ $line }查詢。

## Who applies (the applicant kinds of text/data/vocabulary.toml)

applicant-public = 公眾
applicant-individual = 個人
applicant-student = 學生
applicant-graduate = 畢業生
applicant-researcher = 研究人員
applicant-overseas-talent = 非本地人才
applicant-start-up = 初創企業
applicant-sme = 中小企
applicant-company = 公司
applicant-manufacturer = 製造商
applicant-university = 大學
applicant-school = 學校
applicant-fund-manager = 基金經理
applicant-accelerator = 加速器
applicant-rd-centre = 研發中心

## /funding

funding-title = 💰 按金額排列的計劃（由大至小）
funding-per-project = 每個項目最高{ $figure }
funding-per-applicant = 每名申請者最高{ $figure }
funding-per-person = 每人最高{ $figure }
funding-total = 總額{ $figure }
funding-no-figure = 未有公布金額
funding-closed = 已停止接受新申請
funding-footer = 金額為各計劃資料中最大的單一數字（港幣）。申請前請先查閱官方網頁。

## Notices to subscribers

notice-title = 🔔 計劃更新
notice-added = 🆕 新計劃：
notice-removed = 🗑 不再列出：
notice-change = • { $field }：{ $old } → { $new }
notice-updated = • { $field }已更新：{ $new }
notice-none = 沒有
list-separator = 、
status-preparing = 籌備中
official-page = 官方網頁
field-name = 名稱
field-acronym = 簡稱
field-category = 類別
field-status = 狀況
field-status-since = 狀況生效日期
field-alternatives = 可改為參考
field-opens = 開始接受申請
field-deadline = 截止日期
field-url = 官方網頁
field-total-budget = 總預算
field-max-per-project = 每個項目上限
field-min-project-cost = 最低項目成本
field-max-per-applicant = 每名申請者上限
field-max-per-person = 每人上限
field-monthly-allowance = 每月津貼
field-matching-ratio = 配對比例
field-summary = 計劃簡介
field-eligibility = 申請資格
field-money-text = 資助金額
field-apply = 申請方法
field-status-text = 最新狀況
reminder-title = ⏰ 截止日期提示
reminder-today = 今天
reminder-tomorrow = 明天
reminder-in-days = { $days }日後
reminder-closes = 將於{ $when }（{ $deadline }）截止申請。
broadcast-title = 📢 公告

## Compare cards

compare-who = 👥 申請者
compare-money = 💰 金額及配對
compare-status = 📅 狀況及日期
compare-body = 🏛 負責機構
compare-within = 旗下各計劃的分別在於資助什麼及誰可以申請：
compare-footer = 按下計劃查看詳情；申請前請查閱各官方網頁。
compare-no-applications = 不設申請（並非資助計劃）
compare-individuals = ；個人可申請
compare-not-individuals = ；個人不能申請
compare-no-figure = 資料中沒有金額
fact-separator = ；

## Short answers and their section buttons

section-overview = ℹ️ 簡介
section-money = 💰 金額
section-eligibility = 👥 申請資格
section-apply = 📝 申請方法
section-status = 📅 狀況及日期
section-full = 📄 完整資料
brief-related = ℹ️ 相關基金，不屬創新科技計劃。
brief-as-of = 資料截至{ $date }。
brief-money = 💰 金額
brief-money-past = 💰 金額（過往條款）
brief-eligibility = 👥 申請資格
brief-eligibility-past = 👥 申請資格（過往條款）
brief-no-individuals = 個人不能直接申請。
brief-apply = 📝 申請方法
brief-status = 📅 最新狀況
brief-more = （詳見「📄 完整資料」）

## What can I apply for? (/match)

match-title = 我幫你找出可以申請的計劃。
match-step-1 = 第一步（共兩步）：你是誰（或由誰申請）？
match-step-2 = 第二步（共兩步）：你需要甚麼？
match-everything = ✨ 全部顯示
match-none = 我所知的計劃中沒有符合的。可試「全部顯示」，或用 /schemes 瀏覽。
match-more = ……另有{ $count }個：選擇需要可收窄範圍。
match-again = ↩️ 重新選擇
match-narrow = 🎯 按需要收窄
match-direct-individual = 個人可直接申請
match-direct = 你可直接申請
match-via-university = 經你的大學申請，而非直接向資助機構申請
match-through-university = 由你的大學代為申請
match-through-school = 由你的學校申請
match-through-start-up = 由你創辦或加入的初創企業申請
match-through-employer = 由你的僱主申請
match-upcoming = 尚未開放
match-not-announced = 下一輪未公布
match-closed = 已停止申請
who-individual = 👤 個人
who-student = 🎓 學生
who-graduate = 🧑‍🎓 畢業生
who-researcher = 🔬 研究人員
who-overseas-talent = ✈️ 非本地人才
who-start-up = 🚀 初創企業
who-sme = 🏪 中小企或商店
who-company = 🏢 公司
who-manufacturer = 🏭 製造商
who-university = 🏛 大學
who-rd-centre = 🧪 研發中心
who-school = 🏫 學校或老師
who-fund-manager = 💼 基金經理
who-accelerator = ⚡ 加速器
need-rd-funding = 研發資助
need-research-grant = 研究經費
need-commercialisation = 科研成果商品化
need-hiring = 聘請人才
need-internship = 實習
need-training = 員工培訓
need-visa = 來港工作簽證
need-space = 辦公室或實驗室
need-incubation = 培育計劃
need-compute = 算力
need-investment = 投資
need-production = 生產線
need-digitalisation = 數碼化
need-market-expansion = 拓展市場
need-teaching = 資訊科技教學
need-collaboration = 研究合作

## The scheme card, money and status in words

category-talent = 人才
category-research = 科研
category-startup = 初創企業
category-industry = 新型工業化
category-funding = 項目資助
category-investment = 投資基金
category-infrastructure = 基建及研發機構
category-education = 教育
status-open = 接受申請中
status-upcoming = 即將推出
status-closed = 已停止接受新申請
status-ongoing = 運作中，不設申請
status-not-announced = 下一輪未有公布
status-label = （{ $status }，截至{ $date }）
status-label-since = （{ $status }（自{ $since }起），截至{ $date }）
status-deadline = {" "}— 截止日期：{ $date }
status-deadline-passed = {" "}— 截止日期（{ $date }）已過
body-itf = 創新及科技基金秘書處
body-itc = 創新科技署
body-itib = 創新科技及工業局
body-mrdi = 香港微電子研發院
body-immd = 入境事務處
body-hkstp = 香港科技園公司
body-cyberport = 數碼港
body-dpo = 數字政策辦公室
body-ugc = 大學教育資助委員會／研究資助局秘書處
body-tid = 工業貿易署
enquiry-own = 本計劃查詢：{ $contacts }。
enquiry-body = 查詢：{ $who }，{ $contacts }。
enquiry-page = 查詢：{ $who }（請參閱官方網頁），或致電政府熱線{ $line }。
contact-separator = ，
partner-applicant = 申請者
partner-company = 公司
partner-sme = 中小企
partner-operator = 營運機構
partner-university = 大學
partner-university-or-others = 大學或其他機構
partner-industry = 業界
partner-industry-and-university = 業界與大學合共
partner-market = 市場
partner-co-investor = 共同投資夥伴
partner-private-investment = 私人投資
ratio-exact = 政府{ $government } : { $who }{ $partner }
ratio-up-to = 政府最多{ $government } : { $who }{ $partner }
ratio-about = 約政府{ $government } : { $who }{ $partner }
ratio-part = { $part }，{ $ratio }
hkd-large = 港幣{ $figure }億元
hkd-medium = 港幣{ $figure }萬元
hkd-plain = 港幣{ $figure }元
money-fact = • { $label }：{ $value }
brief-instead = 現在可改為參考：
also-mean = 你可能也想查詢：
card-related = ℹ️ 這不是創新科技計劃，而是市民常一併查詢的相關基金。
card-policy-address = 🏛 2024年施政報告
card-look-at = 你可以參考：
card-look-at-note = （請自行查核申請資格；按下方按鈕查看）。
card-more-link = 更多 { $n }
card-as-of = 資料截至{ $date }。申請前請先查閱官方網頁。
list-closed = （已停止申請）
button-official-website = 🔗 官方網站
closed-since = ⛔ 已停止接受新申請（自{ $date }起）。
closed = ⛔ 已停止接受新申請。
stale-note = 🕰 以下資料最後於{ $date }核對，其後可能已有變動，請查閱官方網頁。

## The /gaps report (one line per group of unanswered questions)

gaps-line = { $count }× 「{ $example }」（{ $outcomes }）
gaps-no-answer = { $count } 次未能解答
gaps-did-you-mean = { $count } 次只有建議
gaps-thumbs-down = { $count } 👎
gaps-offered = {" "}→ 曾提供 { $schemes }
gaps-wanted = {" "}· 想找：{ $comments }
