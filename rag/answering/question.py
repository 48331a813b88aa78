"""Question analysis: what kind of answer a question expects, what it is about, and whom it names.

Built the way classic factoid QA systems did it (TREC QA, Watson's lexical answer type): the
interrogative and the words right after it give the answer type and the unit or measure word
(多少名 -> a number counted in 名, 多大面积 -> a number in area units, 哪一年 -> a date); the noun the
interrogative asks about is the focus (人口 in 白银市的人口是多少); the named entities (places,
organisations, people, 《titles》, quoted names, years) are what an answer's article must mention.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from rag.text.analyzers import jieba_module
from rag.text.clean import CJK


class AnswerType(StrEnum):
    NUMBER = "number"
    MONEY = "money"
    DATE = "date"
    PERSON = "person"
    IDENTITY = "identity"  # who a person the question names is: answered by the role printed beside the name
    PLACE = "place"
    ORGANIZATION = "organization"
    WORK = "work"
    LIST = "list"
    REASON = "reason"
    MANNER = "manner"
    OTHER = "other"


# Types whose answer is a short span that can be extracted and checked; the others are answered by sentences.
TYPED = frozenset({AnswerType.NUMBER, AnswerType.MONEY, AnswerType.DATE, AnswerType.PERSON, AnswerType.IDENTITY,
                   AnswerType.PLACE, AnswerType.ORGANIZATION, AnswerType.WORK})


class EntityKind(StrEnum):
    PLACE = "place"
    ORGANIZATION = "organization"
    PERSON = "person"
    TITLE = "title"  # 《…》 or a quoted name
    YEAR = "year"


@dataclass(frozen=True)
class Entity:
    text: str
    kind: EntityKind

    @property
    def forms(self) -> tuple[str, ...]:
        """The spellings an article may use: 太原市 also as 太原, 徐汇区 also as 徐汇."""
        forms = [self.text]
        if self.kind is EntityKind.PLACE:
            stem = re.sub(f"({ADMIN_SUFFIX})$", "", self.text)
            if len(stem) >= 2 and stem != self.text:
                forms.append(stem)
        if self.kind is EntityKind.YEAR:
            forms.append(self.text.rstrip("年"))
        return tuple(forms)

    @property
    def parts(self) -> tuple[str, ...]:
        """The words of a compound name, each of which an article must mention when it does not print the
        name as asked (成都总工会 -> 成都, 总工会: the article says 成都市总工会)."""
        words = [w for w in jieba_module().cut(self.text) if len(w) >= 2]
        return tuple(words) if len(words) > 1 else ()


@dataclass(frozen=True)
class Question:
    text: str
    answer_type: AnswerType
    unit: str | None  # the measure word or unit a number must carry (名, 个, 万元, 平方米), when the question gives one
    focus: str | None  # the noun the answer is about (人口, 面积, 志愿者, 场馆)
    entities: tuple[Entity, ...]
    terms: tuple[str, ...]  # content words, without interrogatives and particles

    @property
    def typed(self) -> bool:
        return self.answer_type in TYPED

    @property
    def asks_author(self) -> bool:
        """Who wrote or reported an article (答案在署名里: rag.answering.bylines)."""
        return bool(_AUTHOR_ASKED.search(self.text))

    @property
    def asks_photographer(self) -> bool:
        """Who took a picture (答案在图片说明后的署名里: 张三 摄)."""
        return bool(_PHOTO_ASKED.search(re.sub(r"\s+", "", self.text)))

    @property
    def names(self) -> tuple[Entity, ...]:
        """The entities an answer's article must mention: a year the question gives narrows the answer, but
        an article about the named place need not print it."""
        return tuple(e for e in self.entities if e.kind is not EntityKind.YEAR)


# -- the vocabulary of the rules ---------------------------------------------------------------------
# Who wrote or reported an article; a photographer (摄影记者) is not its author, and photo credits are no bylines.
_AUTHOR_ASKED = re.compile(r"作者|撰稿人|执笔人?是|署名|谁(?:写|撰写|执笔|采写|报道)的|(?:哪位|哪个|哪些)记者"
                           r"|(?<!摄影)记者(?:是|有|为)?(?:谁|哪[几些一两二三]?位|哪些人?)|(?<!摄影)哪[两二三几]位记者|由谁(?:写|撰写|采写)")
_PHOTO_ASKED = re.compile(r"(?:照片|图片|相片|组图|配图|图)[^？?，,。]{0,6}(?:是谁|由谁|哪位|谁)(?:拍|摄)|"
                          r"(?:谁|哪位|哪些人|什么人)(?:拍摄|拍|摄)(?:了|的)|摄影(?:者|师|记者)?是谁|拍摄者|摄影者")
ADMIN_SUFFIX = "特别行政区|自治区|自治州|自治县|省|市|区|县|州|盟|旗|镇|乡|街道|社区|村|新村"
ORG_SUFFIX = ("委员会|委|办公室|文明办|办|协会|联合会|总工会|工会|中心|学校|大学|学院|中学|小学|幼儿园|公司|集团|"
              "银行|医院|局|厅|部|馆|院|站|所|队|团|社|会")
# Units and measure words a count or a quantity is given in, longest first where one is a prefix of another.
MONEY_UNITS = "亿元|万元|千元|百元|元|块钱|块"
MEASURE_UNITS = ("平方公里|平方千米|平方米|立方米|公顷|亩|公里|千米|厘米|毫米|米|吨|千克|公斤|克|毫升|升|小时|分钟|秒|"
                 "个月|周年|年|月|天|日|周|岁|倍|分|"
                 "人次|人份|场次|批次|余名|余人|名|人|位|户|家|个|座|条|支|场|次|项|处|篇|本|部|件|所|层|间|辆|台|所|"
                 "讲|期|届|批|节|首|张|套|棵|株|类|种|门|轮|组|队|幅|册|份|元|对|双|袋|箱|盒|桌|瓶|栋|台|起|例")
AREA_UNITS = "平方公里|平方千米|平方米|公顷|亩"
LENGTH_UNITS = "公里|千米|米|厘米"
DURATION_UNITS = "个月|周年|年|天|小时|分钟|周"
NUM = r"[0-9０-９.．,，]+|[零〇一二两三四五六七八九十百千万亿几数余多]+"

_PERSON_NOUNS = ("(人|者|员|长|师|书记|主任|教授|老师|校长|记者|摊主|老人|大爷|阿姨|干部|队员|志愿者|负责人|领导|作者|"
                 "主持人|讲解员|书记|委员|代表|模范|好人|烈士|英雄|村民|居民|市民|姐妹|兄弟|夫妇|医生|民警)")
_ORG_WORDS = ("中心|单位|部门|机构|组织|协会|学校|大学|中学|小学|幼儿园|公司|企业|团队|委员会|机关|医院|银行|"
              "媒体|平台|基金会|社团|工会|队伍|志愿队|服务队|合作社|促进会|联合会|集团")
_PLACE_WORDS = ("地方|城市|省|市|区|县|镇|乡|村|街道|社区|小区|国家|地区|场所|场馆|地点|位置|会场|基地|"
                "公园|广场|景区|馆")
_WORK_WORDS = "电影|影片|歌|歌曲|书|图书|作品|节目|戏|剧|剧目|故事|文章|展览|展|活动|品牌|口号|主题|栏目|课程|名字|名称|奖项|奖"

# (pattern, type): tried in order; the first that matches decides. Patterns see the question without spaces.
_TYPE_RULES: list[tuple[re.Pattern, AnswerType]] = [(re.compile(p), t) for p, t in [
    (r"为什么|为何|什么原因|原因是|为了什么|目的是什么|出于什么", AnswerType.REASON),
    (r"(多少|几)(钱|块)|(多少|几)(亿|万|千)?元|花了多少|(投资|资金|经费|费用|价格|票价|门票|工资|收入|补贴|奖金|造价|成本|房价|"
     r"预算|捐款|善款|税收|产值|生产总值|GDP)[^？?]{0,6}(多少|几)", AnswerType.MONEY),
    (r"哪一?年|哪几年|哪个?月|几月|哪一?天|几号|几日|何时|什么时候|什么时间|啥时候|哪个时间|哪个时候|日期|"
     r"何年|几点|什么时段|(多少|几)点钟", AnswerType.DATE),
    (rf"谁|哪一?位|哪些人|什么人|姓名|何人|{_PERSON_NOUNS}(叫什么|是什么人|名叫)", AnswerType.PERSON),
    (rf"(哪一?个|哪一?支|哪一?家|哪|什么|哪些|何)[^，,？?的]{{0,4}}?({_ORG_WORDS})(?![{CJK}]*(名字|名称))|由(哪|什么)[^？?]{{0,4}}(主办|承办|发起)|(主办|承办|协办|指导|实施|牵头)(单位|方|机构)(是|为)?(哪|什么|谁)"
     # 社工机构是哪家, 合作社全称是什么: the kind of body named before what is asked of it
     rf"|({_ORG_WORDS})(是|为)?哪一?[家个所]|({_ORG_WORDS})[^？?]{{0,3}}(全称|全名)", AnswerType.ORGANIZATION),
    (rf"哪里|哪儿|在哪|何地|何处|去哪|什么地方|(哪一?个|哪一?座|哪些|什么|哪)[^，,？?的]{{0,3}}?({_PLACE_WORDS})", AnswerType.PLACE),
    (rf"《|哪一?(部|首|本|出|幅|份|篇)|(什么|哪个|哪一个)[^，,？?的]{{0,4}}?({_WORK_WORDS})|叫什么|叫做什么|名叫|称为什么|被称为|"
     rf"什么名字|(名称|名字)是什么|起名|全称|全名", AnswerType.WORK),
    # 哪几个组别 asks which, not how many
    (r"(多少|(?<!哪)几)|多大|多长|多高|多远|多久|多重|多宽|多深|多少岁|几岁|占比|比例|百分之|第几", AnswerType.NUMBER),
    (r"怎样|怎么|如何|什么(方式|方法|办法|形式|措施|途径|举措)|采取了?(哪些|什么)|通过什么", AnswerType.MANNER),
    (r"哪些|哪几|包括什么|有什么", AnswerType.LIST),
]]

_RATE = re.compile("[率](?:是|为|有|达到|达|约|大概|大约|一共)?(?:多少|几)")
_UNIT_AFTER = re.compile(rf"(?:多少|几)({MONEY_UNITS}|{MEASURE_UNITS})")
_HOW_MUCH = {"比例": "%", "占比": "%", "百分之几": "%", "几成": "%", "多大面积": AREA_UNITS, "面积": AREA_UNITS, "多长时间": DURATION_UNITS, "多久": DURATION_UNITS,
             "多长": LENGTH_UNITS, "多远": LENGTH_UNITS}

# Words that never are the focus or a content term.
_STOP_WORDS = set("""的 了 是 在 和 与 及 吗 呢 吧 啊 么 什么 哪 哪个 哪些 哪里 谁 几 多少 怎样 怎么 如何 为什么 有 个 一 这 那
被 把 给 让 向 从 对 于 就 都 也 还 又 一共 总共 共 大约 大概 到底 具体 主要 一起 当天 今年 去年 一下 叫 叫做 名字 是否 有没有
多大 多长 多久 开 搞 做 办 进行 开展 举行 召开 位 谁是 其 它 他 她 他们 什么样 怎么样 哪一 哪位 哪一年 哪年 时候 多 要 会 能 吗""".split())

_QUOTED = re.compile(r"《([^》]{1,30})》|“([^”]{2,20})”|「([^」]{2,20})」|‘([^’]{2,20})’|\"([^\"]{2,20})\"")
_YEAR = re.compile(r"((?:19|20)[0-9]{2})年")
# jieba's tags for names; its dictionary also tags many common words so, hence the stop list below.
_ENTITY_POS = {"ns": EntityKind.PLACE, "nt": EntityKind.ORGANIZATION, "nr": EntityKind.PERSON, "nrt": EntityKind.PERSON,
               "nrfg": EntityKind.PERSON, "nz": EntityKind.TITLE, "j": EntityKind.TITLE}
# A name jieba cut from its suffix is joined again: 乐都 + 区, 长桥 + 街道, 成都市 + 总工会, 广汉 + 党史 + 馆.
_NAME_TAIL = re.compile(f"(?:{ADMIN_SUFFIX}|{ORG_SUFFIX}|总工会|文明办|市委党校|党校|图书馆|展示馆|党史|纪念馆|博物馆|陵园|"
                        "公园|广场|亚运会|奥运会|冬奥会)")
# Generic words jieba tags as names that are not named entities of the question.
_NOT_ENTITIES = set("""新时代 文明 实践 中心 党史 全国 全省 全市 中国 国家 城市 文明城市 社区 街道 乡镇 农村 群众 居民 志愿者
学校 小区 老人 孩子 党员 干部 领导 基层 市民 村民 地方 当地 本地 红色 人民 网格员 书记 主任 教授 老师 东西 美丽 惠及 扎堆
师生 幼儿园 吉祥物 一共 深化 谈学 区新 中华 祖国 世界 东方 西方 南方 北方 城区 新城 文明办 强国""".split())


_COLLOQUIAL = str.maketrans({"啥": "什么", "咋": "怎么"})


def analyse(text: str) -> Question:
    """The answer type, unit, focus, entities and content terms of a question."""
    q = re.sub(r"\s+", "", text)
    q = q.translate(_COLLOQUIAL).replace("干嘛", "做什么")  # 叫啥名字, 咋开展的
    answer_type = _answer_type(q)
    unit = _unit(q) if answer_type in (AnswerType.NUMBER, AnswerType.MONEY) else None
    words = list(posseg().cut(q))
    entities = _entities(q, words)
    # 写《…》的张旗是什么职务: a title in the question does not make the person's post a title
    person = _identity_subject(q, entities) if answer_type in (AnswerType.PERSON, AnswerType.OTHER, AnswerType.WORK) \
        else None
    if person:
        answer_type = AnswerType.IDENTITY
        # jieba may cut the name (李/nr 新春/ns): the whole name replaces its parts
        entities = tuple(e for e in entities if e.text not in person) + (Entity(person, EntityKind.PERSON),)
    focus = None if person else _focus(q, words, answer_type)  # 职务, 身份: asked of the person, no word to find
    if unit == "%" and focus in ("比例", "占比", "比重", "百分比"):
        focus = None  # the word for the unit itself: a percentage is the answer
    if answer_type is AnswerType.NUMBER and unit is None and focus and re.search(f"{_PERSON_NOUNS}$", focus):
        unit = "名"  # 有多少志愿者: people are counted in 名, 人 or 位 (not 4家)
    return Question(text=text, answer_type=answer_type, unit=unit, focus=focus, entities=entities,
                    terms=_terms(words))


SURNAMES = set("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
               "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
               "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴"
               "霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑"
               "景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝习"
               "母")
COMPOUND_SURNAMES = {"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
                     "夏侯", "令狐", "端木", "独孤", "南宫", "西门", "申屠", "轩辕"}

# 李敦瑞是谁, 吕佳泉是什么人, 张峻担任什么职务: the question's subject is a person it names.
_IDENTITY = re.compile(r"(?:是谁|是什么人|是哪位|是做什么的|是干什么的|是什么身份|的身份是什么|身份是|担任什么职务|"
                       r"是什么职务|的职务是什么|任什么职)[？?]?$")


_AFTER_NAME = re.compile(f"(?:教授|老师|同志|先生|女士)?[，,]?(?:在[{CJK}“”]{{2,16}}?)?(?:教授|老师|同志|先生|女士)?$")


def _identity_subject(q: str, entities: tuple[Entity, ...]) -> str | None:
    """The person a 是谁 question asks about: a name jieba found right before the question words, else the
    last two or three characters there when they start with a surname and are a name or no dictionary word (讲解员是谁
    asks for a person by role, not about 解员)."""
    m = _IDENTITY.search(q)
    asked = re.fullmatch(f"(?:请问)?谁是([{CJK}]{{2,4}})[？?]?", q)  # 谁是李敦瑞
    if not m and not asked:
        return None
    head = q[: m.start()] if m else asked.group(1)
    # the name may be followed by a title or where the person works (李敦瑞教授是什么职务, 李敦瑞在市委党校担任什么职务)
    head = _AFTER_NAME.sub("", head)
    for e in entities:
        if e.kind is EntityKind.PERSON and head.endswith(e.text):
            return e.text
    freq, tags = posseg().dt.tokenizer.FREQ, posseg().dt.word_tag_tab
    for n in (3, 2):
        name = head[-n:]
        # a famous name is a frequent dictionary word, tagged as a name (张三丰/nr 436)
        if len(name) == n and re.fullmatch(f"[{CJK}]+", name) and name[0] in SURNAMES \
                and not re.search("[的了是在和与及等之]", name) \
                and (tags.get(name) == "nr" or freq.get(name, 0) < 100) \
                and not any(freq.get(head[-i:], 0) for i in range(n + 1, min(len(head), n + 2) + 1)):
            return name
    return None


def posseg():
    jieba_module()  # initialised quietly
    import jieba.posseg

    return jieba.posseg


def _answer_type(q: str) -> AnswerType:
    for pattern, answer_type in _TYPE_RULES:
        if pattern.search(q):
            if answer_type is AnswerType.PERSON and re.search(rf"谁(主办|承办|发起|组织)|哪位(?={_ORG_WORDS})", q):
                return AnswerType.ORGANIZATION
            return answer_type
    return AnswerType.OTHER


# 几年来, 这几天里: a span of time the question is set in, not the unit it asks for
_TIME_FRAME = re.compile("(?:年|个月|月|天|周)(?:来|间|里|中|内|前|后)")


def _unit(q: str) -> str | None:
    m = next((m for m in _UNIT_AFTER.finditer(q) if not _TIME_FRAME.match(q, m.start(1))), None)
    if m:  # 几个人 counts people: 1063人, not a count in 个
        return "人" if m.group(1) == "个" and q[m.end(): m.end() + 1] == "人" else m.group(1)
    for cue, units in _HOW_MUCH.items():
        if cue in q:
            return units
    if _RATE.search(q):
        return "%"  # 就诊率是多少: a rate is answered by a percentage, not by a count beside it
    return None


_ASK = re.compile(r"多少|几(?![十百千万])|哪一?|什么样?|谁|何|多大|多长|多久|多高|多远|怎样|怎么|如何|为什么")
_NOUNISH = ("n", "vn", "a", "b", "ng", "nz", "j", "l", "s")
_LINKS = set("叫 叫做 称为 名叫 是 有 为 达 约 大约 大概 一共 共 总共 到底 具体 要 了 的 占 近 超过 至少 总 还 能".split())


def _focus(q: str, words, answer_type: AnswerType) -> str | None:
    """The noun phrase the answer is about: the one after the interrogative (多少名专业人才 -> 专业人才, 哪部电影
    -> 电影), or else the one before it (白银市的常住人口是多少 -> 常住人口)."""
    tokens = [(w.word, w.flag) for w in words]
    m = next((m for m in _ASK.finditer(q) if not _TIME_FRAME.match(q, m.end())), None)
    if m is None:
        return None
    ask, pos = 0, 0
    for ask, (word, _) in enumerate(tokens):  # the token the interrogative starts in
        if pos + len(word) > m.start():
            break
        pos += len(word)
    i = ask + 1
    while i < len(tokens) and (tokens[i][1] in ("m", "q") or _UNIT_ONLY.fullmatch(tokens[i][0])
                               or tokens[i][0] in ("是", "为") and i == ask + 1):  # 多少是退休教师
        i += 1  # the measure word or unit: 多少/名, 几/条, 哪/部
    if answer_type in (AnswerType.PLACE, AnswerType.ORGANIZATION) and i < len(tokens) \
            and re.fullmatch(f"(?:{_PLACE_WORDS}|{_ORG_WORDS}|{ADMIN_SUFFIX})", tokens[i][0]) \
            and tokens[i][0] not in _GENERIC_FOCUS:
        return tokens[i][0]  # 哪个村 (村/zg), 哪个城市 (城市/ns): the kind asked for, whatever its tag
    if answer_type is AnswerType.PLACE and i < len(tokens) and len(tokens[i][0]) == 2 \
            and re.fullmatch(f"(?:{ADMIN_SUFFIX})", tokens[i][0][0]) and tokens[i + 1: i + 2] == [("的", "uj")]:
        return tokens[i][0][0]  # 哪个区办的, 哪个村拍的: jieba glues the kind to the verb after it
    after = re.sub(r"^[首部本位个支家座条名份篇](?=.)", "", (answer_type in (AnswerType.NUMBER, AnswerType.MONEY) and _tail(tokens[i:])) or _phrase(tokens[i:], verbs=True))  # 哪首歌 -> 歌
    if after and after in _GENERIC_FOCUS:
        return None
    if after and after not in ("钱", "时间", "时候"):  # 门票多少钱: the focus is 门票, not 钱
        return after
    j = ask - 1
    while j >= 0 and tokens[j][0] in _LINKS:
        j -= 1
    head = tokens[: j + 1]
    if [w for w, _ in tokens[j + 1: ask]] in (["是"], ["为"]) and len(head) >= 2 and head[-1][1] == "v" \
            and head[-2][1] in ("n", "vn", "nz"):
        # 集体经济/n 收入/v 是多少: the subject of 是 is a noun whatever its tag (not 下降了多少, 送饭的是谁)
        head = head[:-1] + [(head[-1][0], "n")]
    before = _phrase(head, reverse=True)
    before = re.sub("(?<=.)(?:最低|最高|最少|最多|至少|至多)$", "", before)  # 比例最低: printed 不低于
    before = re.sub("(?<=.)(?:全称|全名)$", "", before)  # 行动计划全称: the 计划 is what is named
    before = re.sub("(?<=.)所有$", "所", before)  # 实践所有多少个: jieba reads 所有 (all) across 实践所 + 有
    return None if before in _GENERIC_FOCUS else before or None


def _tail(tokens) -> str:
    """A question that ends in the counted noun names it whole, whatever jieba tags its parts
    (多少个新时代文明实践站: 文明/nr 实践/v 站/v; 多大规模的理论宣讲志愿队)."""
    tokens = [t for t in tokens if t[0] not in _QUOTES]  # 多少名“金牌楼栋长”: a quoted name is the noun, or part of it
    heads = [w for w, _ in tokens[:2]]
    # 多大规模的志愿队: the measure is 规模, the noun follows 的 (几所高校的学院: the noun is 高校)
    if "的" in heads and heads[0].endswith(tuple(_DIMENSIONS)):
        tokens = tokens[heads.index("的") + 1:]
    # jieba tags the one-character head of a counted noun as it likes (实践/v 站/v, 实践/v 所/c): at the end of
    # the question it is the noun
    tokens = [(w, "n" if k == len(tokens) - 1 or tokens[k + 1][1] == "x" and k + 2 == len(tokens) else f)
              if _HEAD_MORPHEME.fullmatch(w) else (w, f) for k, (w, f) in enumerate(tokens)]
    words = [w for w, f in tokens if f != "x"]
    if not words or len(tokens) - len(words) > 1 or not any(f.startswith("n") for _, f in tokens):
        return ""
    if any(w in _STOP_WORDS or w in _LINKS for w in words) or any(f.startswith(("p", "u", "c", "r", "d", "m"))
                                                                 and len(w) > 1 for w, f in tokens if f != "x"):
        return ""
    # A verb inside the noun only before its head (实践/v 站, 宣讲/v 志愿队/n); otherwise a verb phrase follows
    # the noun (多少人参加, 多少个县作为试点).
    tagged = [(w, f) for w, f in tokens if f != "x"]
    if any(f in ("v", "b") and len(w) > 1 and (k + 1 == len(tagged) or not (
            len(tagged[k + 1][0]) == 1 or tagged[k + 1][1] in ("n", "vn"))) for k, (w, f) in enumerate(tagged)) \
            or any(w in _RELATIONS for w in words):
        return ""
    return "".join(words)


_QUOTES = set("“”‘’\"「」")
_HEAD_MORPHEME = re.compile("[站所点馆室队厅处园村校院团部局组户场]")
_DIMENSIONS = set("规模 面积 范围 程度 力度 强度 长度 高度 年纪 年龄 体量 容量".split())
_RELATIONS = set("作为 成为 当作 评为 属于 位于 参加 参与 获得 得到 进入 加入 来自".split())
_UNIT_ONLY = re.compile(f"(?:{MONEY_UNITS}|{MEASURE_UNITS}|大)")


def _phrase(tokens, reverse: bool = False, verbs: bool = False) -> str:
    """The run of noun-like tokens at the start of `tokens` (at their end with `reverse`), names left out.

    After the interrogative (`verbs`), a verb may open the run (多少注册用户 -> 注册用户); before it
    (`reverse`), a verb or a number may modify the noun already found (讲解路线, 三年行动计划)."""
    words: list[tuple[str, str]] = []
    for word, flag in (tokens[::-1] if reverse else tokens):
        nounish = flag.startswith(_NOUNISH) and flag not in ("ns", "nr", "nt", "nrt", "nrfg")
        modifier = (verbs and not words and flag == "v") or (reverse and words and flag in ("v", "m"))
        if word in _STOP_WORDS or not (nounish or modifier):
            break
        words.append((word, flag))
    while words and not reverse and words[-1][1].startswith(("v", "b")):
        words.pop()
    text = [w for w, _ in words]
    return "".join(text[::-1] if reverse else text)


_GENERIC_FOCUS = {"", "地方", "地点", "时候", "时间", "名字", "名称", "全称", "全名", "内容", "东西", "事情", "情况"}


def _entities(q: str, words) -> tuple[Entity, ...]:
    found: dict[str, EntityKind] = {}
    for m in _QUOTED.finditer(q):
        found[next(g for g in m.groups() if g)] = EntityKind.TITLE
    for m in _YEAR.finditer(q):
        found[m.group(0)] = EntityKind.YEAR
    tokens = [(w.word, w.flag) for w in words]
    i = 0
    while i < len(tokens):
        word, flag = tokens[i]
        # a surname jieba cut from its given name (李/nr 新春/ns): the whole name is the person
        if flag == "nr" and word in SURNAMES and i + 1 < len(tokens) and 1 <= len(tokens[i + 1][0]) <= 2 \
                and re.fullmatch(f"[{CJK}]+", tokens[i + 1][0]) and tokens[i + 1][1].startswith(("n", "a")) \
                and posseg().dt.tokenizer.FREQ.get(word + tokens[i + 1][0], 0) < 100 \
                and not _inside(word + tokens[i + 1][0], found):  # 金/nr 牌楼 in “金牌楼栋长”
            found[word + tokens[i + 1][0]] = EntityKind.PERSON
            i += 2
            continue
        # 欧阳/ns 秀英/nr: a compound surname and its given name; 贺兰/nr 芳/nr: a name's last character cut off
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ("", "x")
        if (word in COMPOUND_SURNAMES and 1 <= len(nxt[0]) <= 2 or flag == "nr" and len(word) == 2
                and word[0] in SURNAMES and len(nxt[0]) == 1 and nxt[1] == "nr") and re.fullmatch(f"[{CJK}]+", nxt[0]):
            found[word + nxt[0]] = EntityKind.PERSON
            i += 2
            continue
        kind = _name_kind(*tokens[i])
        if kind is None or _inside(tokens[i][0], found):
            i += 1
            continue
        name, j = tokens[i][0], i + 1
        # 柳林/nr 湾村/ns: a word ending in a unit of place goes on the name
        while j < len(tokens) and (_NAME_TAIL.fullmatch(tokens[j][0]) or _place_tail_word(*tokens[j])) \
                and tokens[j][1].startswith(("n", "zg", "j")):
            name += tokens[j][0]
            kind = EntityKind.PLACE if re.search(f"(?:{ADMIN_SUFFIX})$", name) else EntityKind.ORGANIZATION
            j += 1
        # 令里/nrt in 征集令里的: the end of a word before it and a locative, no word of jieba's own
        miscut = len(name) == 2 and name[1] in "里中内上" and name[0] not in SURNAMES \
            and not posseg().dt.tokenizer.FREQ.get(name)
        if not miscut:
            # a name tagged as a person's without a surname, or ending as places do, is a place's (曲靖/nr,
            # 德令哈/nr, 郎德镇/nr)
            place = name[0] not in SURNAMES or re.search(f"(?:{ADMIN_SUFFIX})$", name) is not None
            found[name] = EntityKind.PLACE if kind is EntityKind.PERSON and place else kind
            if found[name] is EntityKind.PLACE and (below := _place_below(name, tokens, j)):
                found[below[0]], j = EntityKind.PLACE, below[1]
        i = j
    return tuple(Entity(t, k) for t, k in found.items())


# 各县区, 全市, 全乡各行政村: every place of a kind, none in particular (全州县 is one)
EVERY_PLACE = re.compile("[各全本该每](?:省|市|区|县|乡|镇|村|街道|社区)+$|.*各")


# How far down a unit of place is: a place printed right after another is inside it when its unit is lower
ADMIN_LEVELS = {"省": 0, "自治区": 0, "市": 1, "州": 1, "区": 2, "县": 2, "旗": 2, "镇": 3, "乡": 3, "街道": 3, "村": 4,
                "社区": 4}


def _place_below(above: str, tokens, j: int) -> tuple[str, int] | None:
    """南岸区/ns 弹子/n 石/n 街道/n: right after a place, common nouns of two to four characters and a unit lower than
    its own name a place inside it, which jieba does not know. Returns the name and the token after it."""
    unit = next((u for u in sorted(ADMIN_LEVELS, key=len, reverse=True) if above.endswith(u)), None)
    name, k = "", j
    while k < len(tokens) and len(name) < 4 and tokens[k][1].startswith("n") and tokens[k][0] not in ADMIN_LEVELS \
            and re.fullmatch(f"[{CJK}]+", tokens[k][0]):
        name, k = name + tokens[k][0], k + 1
    if unit is None or not 2 <= len(name) <= 4 or k == len(tokens) or name in _NOT_ENTITIES or EVERY_PLACE.match(name) \
            or ADMIN_LEVELS.get(tokens[k][0], -1) <= ADMIN_LEVELS[unit]:
        return None
    return name + tokens[k][0], k + 1


def _place_tail_word(word: str, flag: str) -> bool:
    """湾村/ns, 溪镇/ns: a character of a name and a unit of place, jieba's one word (not 社区, 全市)."""
    return flag == "ns" and re.fullmatch(f"[{CJK}](?:{ADMIN_SUFFIX})", word) is not None \
        and not EVERY_PLACE.match(word) and posseg().dt.tokenizer.FREQ.get(word, 0) < 100


# 回村/ns, 进城/ns: a verb of going and where to, no place's name
_GOING_TO = re.compile(f"[回进到返下出入](?:{ADMIN_SUFFIX}|城)")


def _name_kind(word: str, flag: str) -> EntityKind | None:
    if len(word) < 2 or word in _NOT_ENTITIES or _GOING_TO.fullmatch(word) or not re.fullmatch(f"[{CJK}]+", word) or EVERY_PLACE.match(word):
        return None
    if flag.startswith(("ns", "nr", "nz")) and re.search(f"(?:{ADMIN_SUFFIX})$", word) \
            and not (flag.startswith("nr") and len(word) <= 3 and word[0] in SURNAMES):  # 张旗/nr is a person
        return EntityKind.PLACE
    if flag == "nt" and len(word) == 2 and not re.search(f"(?:{ORG_SUFFIX})$", word):
        return None  # 暴雨中开自家冲锋舟: jieba's 中开/nt, two characters that name no body here
    # jieba's dictionary tags many everyday words as names or terms (小学生/nr, 聊天/nz, 环保/j): outside
    # places and organisations, a name is a word its dictionary holds rarely or not at all.
    if flag in ("nr", "nrfg", "nrt", "nz", "j") and posseg().dt.tokenizer.FREQ.get(word, 0) >= 100:
        return None
    return _ENTITY_POS.get(flag)


def _inside(name: str, found: dict[str, EntityKind]) -> bool:
    return any(name in other for other in found)


def _terms(words) -> tuple[str, ...]:
    return tuple(dict.fromkeys(
        w.word for w in words
        if w.word not in _STOP_WORDS and re.fullmatch(f"[{CJK}A-Za-z0-9]+", w.word) and not _ASK.fullmatch(w.word)
        and (len(w.word) >= 2 or w.flag.startswith("n"))))
