"""The question analysis table: each form with the answer type, unit, focus and names it must yield."""

import pytest

from rag.answering.question import AnswerType, EntityKind, analyse

N, M, D, P, L, O, W = (AnswerType.NUMBER, AnswerType.MONEY, AnswerType.DATE, AnswerType.PERSON, AnswerType.PLACE,
                       AnswerType.ORGANIZATION, AnswerType.WORK)
LIST, REASON, MANNER, OTHER = AnswerType.LIST, AnswerType.REASON, AnswerType.MANNER, AnswerType.OTHER

# (question, answer type, unit, focus, names that must be among the entities)
TABLE = [
    # numbers with their measure word or unit
    ("海淀区一共注册了多少志愿者？", N, "名", "志愿者", ["海淀区"]),  # people counted: 名, 人 or 位
    ("太原今年确定了多少个县作为市级试点？", N, "个", "县", ["太原"]),
    ("乐都区的志愿服务队伍吸纳了多少名专业人才？", N, "名", "专业人才", ["乐都区"]),
    ("新思汇第一季一共安排了几讲课？", N, "讲", None, []),
    ("嘉峪关给重点部门列了多少条工作任务？", N, "条", "工作任务", ["嘉峪关"]),
    ("海淀让多少辆网约车变成了理论宣传车？", N, "辆", "网约车", ["海淀"]),
    ("曲靖的市级媒体一年刊登了多少篇理论文章？", N, "篇", "理论文章", ["曲靖"]),
    ("白银市一共组建了多少支志愿服务队伍？", N, "支", "志愿服务队伍", ["白银市"]),
    ("龙华烈士陵园的讲解路线有多长？", N, "公里|千米|米|厘米", "讲解路线", ["龙华烈士陵园"]),
    ("白银市的常住人口是多少？", N, None, "常住人口", ["白银市"]),
    ("白银市2021年的常住人口是多少？", N, None, "常住人口", ["白银市", "2021年"]),
    ("新时代文明实践中心的占地面积有多大？", N, "平方公里|平方千米|平方米|公顷|亩", "占地面积", []),
    ("徐汇滨江文明示范带的岸线有多长？", N, "公里|千米|米|厘米", "岸线", ["滨江"]),
    ("广西要求提名城市制定多长时间的创建规划？", N, "个月|周年|年|天|小时|分钟|周", None, ["广西"]),
    ("康健街道的康乐工程实施了多少年？", N, "年", None, ["康健街道"]),
    ("海淀区志愿者每年平均服务多少小时？", N, "小时", None, ["海淀区"]),
    ("潮州建成了几座城市文明小景观？", N, "座", None, ["潮州"]),
    ("曲靖建成了多少个新时代文明实践站？", N, "个", "新时代文明实践站", ["曲靖"]),
    ("海淀区建设了多少个实践站？", N, "个", "实践站", ["海淀区"]),  # 实践/v 站/v: the head ends the question
    ("全区共建设了多少个实践所？", N, "个", "实践所", []),  # 所/c
    ("海淀区是第几批试点？", N, "批", "试点", ["海淀区"]),  # an ordinal
    ("2020年曲靖评出了多少名文明市民？", N, "名", "文明市民", ["曲靖", "2020年"]),
    ("徐汇区组建了一支多大规模的理论宣讲志愿队？", N, None, "理论宣讲志愿队", ["徐汇区"]),
    ("白银市搞了多少场文明实践活动？", N, "场", "文明实践活动", ["白银市"]),
    ("西宁市的全国文明城市测评得了多少分？", N, "分", None, ["西宁市"]),
    ("曲靖给多少个乡镇和街道配齐了宣传委员？", N, "个", "乡镇", ["曲靖"]),
    ("那次活动一共有多少人参加？", N, "人", None, []),
    # money
    ("太原市新时代文明实践中心的建设总投资是多少亿元？", M, "亿元", "建设总投资", ["太原市"]),
    ("潮州建设城市文明小景观一共花了多少钱？", M, None, None, ["潮州"]),
    ("广汉党史馆的门票多少钱？", M, None, "门票", ["广汉党史馆"]),
    ("平城区网格员的月工资是多少？", M, None, "月工资", []),
    ("这个项目投资了多少万元？", M, "万元", None, []),
    ("曲靖市2020年的地区生产总值是多少？", M, None, "地区生产总值", ["曲靖市", "2020年"]),
    # dates
    ("爱湖村是哪一年被定为山东省美丽乡村建设试点村的？", D, None, None, ["爱湖村", "山东省"]),
    ("麟游县创建全国文明城市动员大会是哪天召开的？", D, None, None, ["麟游县"]),
    ("小人书里的红色平城故事展是什么时候在网上开展的？", D, None, None, ["平城"]),
    ("龙华烈士陵园是何时建成的？", D, None, None, ["龙华烈士陵园"]),
    ("嘉峪关的三年行动计划是哪几年？", D, None, "三年行动计划", ["嘉峪关"]),
    ("徐汇区新时代文明实践中心每天几点开门？", D, None, None, ["徐汇区"]),
    ("推进会是几月几日举行的？", D, None, None, []),
    # people
    ("谁在徐汇滨江规划展示馆给群众解读人民城市理念？", P, None, None, []),
    ("哪位教授在长桥街道讲解了全面建成小康社会？", P, None, "教授", ["长桥街道"]),
    ("嘉峪关市文明办主任叫什么名字？", P, None, "主任", ["嘉峪关市文明办"]),
    ("乐都区新时代文明实践中心的负责人是谁？", P, None, "负责人", ["乐都"]),
    ("曲靖市委书记是谁？", P, None, "市委书记", ["曲靖"]),
    ("那位网格员叫什么？", P, None, None, []),
    # places
    ("太原市新时代文明实践中心试点观摩推进会是在哪个区开的？", L, None, None, ["太原市"]),
    ("新思汇的开篇第一课是在哪里上的？", L, None, None, []),
    ("成都的采风行活动在什么地方启动？", L, None, None, ["成都"]),
    ("哪个县冬天在工厂里给大棚种植准备菜苗？", L, None, None, []),
    ("颁奖仪式在什么场馆举行？", L, None, "场馆", []),
    ("徐家汇街道哪个老小区被称为城市低洼地？", L, None, "老小区", ["徐家汇街道"]),
    ("哪个城市用当地土话给群众宣讲党的理论？", L, None, None, []),
    # organisations
    ("哪个教育机构的微党课受众超过百万？", O, None, "教育机构", []),
    ("曲靖哪个县的融媒体中心被评为全省先进单位？", L, None, "县", ["曲靖"]),
    ("这次活动由哪个单位主办？", O, None, "单位", []),
    ("给老人送爱心餐的是哪支志愿队？", O, None, None, []),
    # titles of works, names of things
    ("德令哈市文明办给孩子们放了哪部红色电影？", W, None, "红色电影", ["德令哈市文明办"]),
    ("平城区图书馆每个工作日转播什么党史节目？", W, None, "党史节目", []),
    ("成都市总工会的脱贫攻坚采风活动叫什么名字？", W, None, None, ["成都市总工会"]),
    ("天平街道的银发志愿者团队叫什么？", W, None, "银发志愿者团队", []),
    ("杭州亚运会的吉祥物叫什么？", W, None, None, ["杭州亚运会"]),
    ("《党史故事100讲》在哪里转播？", L, None, None, ["党史故事100讲"]),
    # lists, reasons, manners, others
    ("太原要求打通的五大平台包括哪些方面？", LIST, None, None, ["太原"]),
    ("长桥街道的基层组织为哪些孩子提供服务？", LIST, None, "孩子", ["长桥街道"]),
    ("深圳市在新时代文明实践中心建设方面有哪些做法？", LIST, None, None, ["深圳市"]),
    ("为什么要建设新时代文明实践中心？", REASON, None, None, []),
    ("白银市为何要用方言讲理论？", REASON, None, None, ["白银市"]),
    ("广西的文明城市创建座谈交流会是怎么开的？", MANNER, None, "创建座谈交流会", ["广西"]),
    ("拉科村的凝心超市是怎么鼓励群众参加志愿服务的？", MANNER, None, None, ["拉科村"]),
    ("徐汇区如何让居民参与加装电梯这类公共事务？", MANNER, None, None, ["徐汇区"]),
    ("白银市想把新时代文明实践中心建成什么样的家？", OTHER, None, None, ["白银市"]),
    ("峡江县的育苗工厂冬天在忙着培育什么？", OTHER, None, None, ["峡江县"]),
]


@pytest.mark.parametrize("question, answer_type, unit, focus, names", TABLE, ids=[row[0] for row in TABLE])
def test_analysis_table(question, answer_type, unit, focus, names):
    q = analyse(question)
    assert q.answer_type is answer_type
    assert q.unit == unit
    if focus is not None:
        assert q.focus == focus
    assert set(names) <= {e.text for e in q.entities}


def test_table_is_large_enough():
    assert len(TABLE) >= 60


def test_years_are_entities_but_not_names():
    q = analyse("白银市2021年的常住人口是多少？")
    assert {e.kind for e in q.entities} == {EntityKind.PLACE, EntityKind.YEAR}
    assert [e.text for e in q.names] == ["白银市"]


def test_entity_forms_and_parts():
    place = next(e for e in analyse("太原市有多少个县？").entities if e.text == "太原市")
    assert place.forms == ("太原市", "太原")
    org = next(e for e in analyse("成都总工会征集的艺术作品分几个组别？").entities)
    assert org.text == "成都总工会" and org.parts == ("成都", "总工会")


def test_a_question_without_an_interrogative_is_other():
    q = analyse("介绍一下徐汇区的新时代文明实践")
    assert q.answer_type is OTHER and q.unit is None


@pytest.mark.parametrize("text, asks", [
    ("关于白银市文明实践中心的报道是谁写的？", True), ("这篇文章的作者是谁", True), ("哪位记者报道了潮州的小景观？", True),
    ("介绍嘉峪关的稿件由谁撰写？", True), ("白银市那篇报道的摄影记者是谁？", False), ("杨澜是谁？", False),
    ("白银市上传了多少条信息？", False), ("《文明实践在守正创新中“聚势蝶变”》这篇报道的记者是哪几位？", True),
    ("那篇报道的摄影记者是哪位？", False), ("《文明实践在守正创新中“聚势蝶变”》是哪两位记者写的？", True)])
def test_a_question_asking_who_wrote_an_article_is_told_apart(text, asks):
    assert analyse(text).asks_author is asks


@pytest.mark.parametrize("text, person", [
    ("李敦瑞是谁？", "李敦瑞"), ("谁是李敦瑞？", "李敦瑞"), ("李新春是谁？", "李新春"),  # jieba cuts 李/新春
    ("文中提到的吕佳泉是什么人？", "吕佳泉"), ("杨继承担任什么职务？", "杨继承"), ("张三丰是谁？", "张三丰"),
    ("张三是做什么的？", "张三"),
])
def test_who_a_named_person_is_is_asked_apart_from_who_did_something(text, person):
    q = analyse(text)
    assert q.answer_type is AnswerType.IDENTITY and q.focus is None
    assert [e.text for e in q.names if e.kind is EntityKind.PERSON] == [person]


@pytest.mark.parametrize("text", ["讲解员是谁？", "社区书记是谁？", "谁是队长？", "他是谁？", "谁给老人理发？"])
def test_a_role_or_a_deed_asks_for_a_person_not_about_one(text):
    assert analyse(text).answer_type is AnswerType.PERSON


@pytest.mark.parametrize("text, asks", [
    ("爱湖村文化汇演的照片是谁拍的？", True), ("谁拍摄了幼儿园小班学生与党旗合影的照片？", True),
    ("育苗工厂那张图片的摄影师是谁？", True), ("峡江县的照片由谁拍摄？", True),
    ("谁给老人理发？", False), ("摄影比赛有几个组别？", False), ("这篇报道的作者是谁？", False),
])
def test_a_question_asking_who_took_a_picture_is_told_apart(text, asks):
    assert analyse(text).asks_photographer is asks


@pytest.mark.parametrize("text, person", [
    ("李敦瑞教授是什么职务？", "李敦瑞"),  # a title after the name
    ("李敦瑞在上海市委党校担任什么职务？", "李敦瑞"),  # where the person works
    ("李敦瑞教授在上海市委党校担任什么职务？", "李敦瑞"),
    ("写《海淀路径》的张旗是什么职务？", "张旗"),  # a title in the question; 张旗/nr is no banner (旗)
    ("在长桥街道讲课的李敦瑞教授，在市委党校担任什么职务？", "李敦瑞"),
])
def test_who_a_person_is_may_be_asked_around_the_name(text, person):
    q = analyse(text)
    assert q.answer_type is AnswerType.IDENTITY
    assert [e.text for e in q.names if e.kind is EntityKind.PERSON] == [person]


@pytest.mark.parametrize("text, answer_type, focus", [
    ("成都市总工会征集的作品分哪几个组别？", AnswerType.LIST, None),  # which, not how many
    ("徐汇“邻里汇”被写进了市委的哪份文件？", AnswerType.WORK, "文件"),
    ("这篇报道是哪篇文章的续篇？", AnswerType.WORK, "文章"),
    # the kind of body named before what is asked of it: a body, not a title
    ("全民健身社会组织，全称叫什么？", AnswerType.ORGANIZATION, None),
    ("李振国创办的合作社全称是什么？", AnswerType.ORGANIZATION, "合作社"),
    ("一起发起“时间银行”的社工机构是哪家？", AnswerType.ORGANIZATION, "社工机构"),
])
def test_which_of_several_and_which_document(text, answer_type, focus):
    q = analyse(text)
    assert q.answer_type is answer_type and q.focus == focus


def test_colloquial_words_are_read_as_their_standard_forms():
    q = analyse("长桥街道那个流动的文明实践市集叫啥名字")  # 啥: 什么
    assert q.answer_type is AnswerType.WORK


def test_a_role_ending_in_a_surname_character_is_no_name():
    q = analyse("山西省委宣传部副部长、兼任省文明办主任的是哪位？")  # 主任的: no person 任的
    assert q.answer_type is AnswerType.PERSON and not [e for e in q.entities if e.kind is EntityKind.PERSON]


@pytest.mark.parametrize("text, names", [
    ("李新春讲话里要求打通的“五大平台”分别是什么？", [("李新春", EntityKind.PERSON)]),  # 李/nr 新春/ns
    ("成都市总工会征集令里的作品分哪几个组别？", [("成都市总工会", EntityKind.ORGANIZATION)]),  # 令里/nrt: no surname
    ("白银市各县区涌现出哪些宣讲形式？", [("白银市", EntityKind.PLACE)]),  # 各县区: every county, none named
    ("郎德镇的气象站是在哪个单位帮助下建成的？", [("郎德镇", EntityKind.PLACE)]),  # 郎德镇/nr ends as places do
    ("吉水县欧阳秀英一家是哪个镇的？", [("吉水县", EntityKind.PLACE), ("欧阳秀英", EntityKind.PERSON)]),  # 欧阳/ns 秀英/nr
    ("贺兰芳的香包工坊是哪一年成立的？", [("贺兰芳", EntityKind.PERSON)]),  # 贺兰/nr 芳/nr
    ("柳林湾村那个回村当上支部书记的人叫什么？", [("柳林湾村", EntityKind.PLACE)]),  # 柳林/nr 湾村/ns; 回村/ns
    ("在特大暴雨中开自家冲锋舟转移群众的罗光明是哪里人？", [("罗光明", EntityKind.PERSON)]),  # 中开/nt
    ("株洲全市社区微型消防站现在有多少个？", [("株洲", EntityKind.PLACE)]),  # 全市, 社区: no part of the name
    # 弹子/n 石/n 街道/n after a 区: a place inside it; 南岸区民政局, 全区各社区: none
    ("南岸区弹子石街道设了几个服务网点？", [("南岸区", EntityKind.PLACE), ("弹子石街道", EntityKind.PLACE)]),
    ("南岸区民政局有几个科室？", [("南岸区", EntityKind.PLACE), ("民政局", EntityKind.ORGANIZATION)]),
    ("海淀区在全区各社区建了多少个站？", [("海淀区", EntityKind.PLACE)]),
    ("濠西街道一共评出了多少名“金牌楼栋长”？", [("濠西街道", EntityKind.PLACE)]),  # 金/nr 牌楼 inside the quoted name
])
def test_names_jieba_cuts_wrongly_are_read_whole_or_not_at_all(text, names):
    assert [(e.text, e.kind) for e in analyse(text).names if e.kind is not EntityKind.TITLE] == names


@pytest.mark.parametrize("text, unit, focus", [
    ("曲靖全市建成的新时代文明实践所有多少个", "个", "实践所"),  # 所有 read across 实践所 + 有
    ("海淀区联合了几所高校的马克思主义学院？", "所", "高校"),  # the counted noun stands before 的
    ("龙传人队伍几个人？", "人", "龙传人队伍"),  # 几个人 counts in 人
    ("观摩推进会是在哪个区办的？", None, "区"),  # 区办/n: the kind, glued to the verb after it
    ("那张照片是在哪个村拍的？", None, "村"),
    ("嘉峪关印发的那个三年行动计划全称是什么？", None, "三年行动计划"),
    ("这个项目几年来一共清理了多少吨海洋垃圾？", "吨", "海洋垃圾"),  # 几年来: the time it is asked over
    ("创建之前人均每天生活用水多少升？", "升", "生活用水"),
    ("濠西街道一共评出了多少名“金牌楼栋长”？", "名", "金牌楼栋长"),  # a quoted name is the counted noun
    ("南岸区设了几个“时间银行”服务网点？", "个", "时间银行服务网点"),
    ("柳林湾村2019年的村集体经济收入是多少万元？", "万元", "村集体经济收入"),  # 收入/v before 是: a noun
    ("2022年环江县的县域内就诊率是多少？", "%", None),  # a rate is a percentage
])
def test_the_counted_or_named_noun(text, unit, focus):
    q = analyse(text)
    assert q.unit == unit and q.focus == focus
