"""Defects a fifth black-box tester found with ``yichuang chat``, each fixed as a class (our own
phrasings):

1. a value said of a household already registered, or "不是新的，是改…", goes to its case as a
   recorded correction, never a new draft;
2. 滞纳金收了六十五 / 刚说了六十五 are amounts;
3. a short firm name with a trade word (…煤业, …建材) is an employer's name, also "单位是…";
4. 联系人赵会计 is the contact person 赵会计;
5. a returning complainant's own details are carried to their next matter (跟上回一样);
6. a villager who refuses: nothing is kept;
7. a story told in pieces keeps every piece; 还有一户 / 第三户是 are not part of the story.
"""

from __future__ import annotations

from dialog_chat import Chat

WORKER_PHONE = "15835601121"  # 张桂兰, 凤鸣镇南关村 (example county)


def _worker(chat: Chat, user: str = "grid-1") -> Chat:
    return chat.other(user, contact_phone=WORKER_PHONE)


async def _to_summary(c: Chat, text: str, answers: tuple[str, ...] = ("跳过",) * 6) -> str:
    reply = await c.send(text)
    for answer in answers:
        if "请核对" in reply.text:
            break
        reply = await c.send(answer)
    assert "请核对" in reply.text, reply.text
    return reply.text


async def test_value_of_a_filed_household_is_a_correction_never_a_new_draft(chat: Chat) -> None:
    w = _worker(chat)
    await _to_summary(
        w, "南关村孙大成，电话13903561234，2023年养老保险晚交被收了滞纳金65元，本人已同意"
    )
    reply = await w.send("确认")
    number = reply.text.split("案件编号：")[1].split()[0]
    reply = await w.send("孙大成那户的滞纳金是58块")
    assert number in reply.text and "58" in reply.text, reply.text
    assert "被代办人的名字" not in reply.text, reply.text
    reply = await w.send("不是新的，是改孙大成那户的滞纳金")
    assert number in reply.text and "新的反映" not in reply.text, reply.text
    reply = await w.send("不是新的，就是刚才那户")
    assert number in reply.text and "单独登记" not in reply.text, reply.text


async def test_amounts_said_with_a_verb_and_said_again(chat: Chat) -> None:
    text = await _to_summary(
        chat,
        "我叫刘春梅，电话13812345670，凤鸣镇南关村，2023年养老保险晚交，滞纳金收了七十二",
    )
    assert "金额：72元" in text, text
    other = chat.other("resident-2")
    reply = await other.send("我叫韩秀芝，电话13812345671，凤鸣镇南关村，2022年医保多扣了")
    reply = await other.send("同意")
    reply = await other.send("刚说了三百二")
    assert "没太看明白" not in reply.text, reply.text


async def test_trade_word_names_are_employers(chat: Chat) -> None:
    text = await _to_summary(
        chat,
        "我叫冯玉兰，电话13812345672，凤鸣镇南关村，单位一直没给我交养老保险",
        ("同意", "跳过", "宏发建材", "跳过", "跳过", "跳过"),
    )
    assert "单位：宏发建材" in text, text
    reply = await chat.send("单位是通达物流")
    assert "单位：通达物流" in reply.text and "没太看明白" not in reply.text, reply.text


async def test_contact_person_with_a_title(chat: Chat) -> None:
    text = await _to_summary(
        chat,
        "我们公司2023年养老保险多交了6000元，9名职工，联系人钱会计，电话13612345670，凤鸣镇",
        ("同意", "云川县鑫源煤业有限公司", "跳过", "跳过", "跳过"),
    )
    assert "联系人：钱会计" in text, text
    other = chat.other("unit-2")
    text = await _to_summary(
        other,
        "我们公司2024年失业保险多交了3000元，5名职工，电话13612345671，凤鸣镇",
        ("同意", "云川县宏发建材有限公司", "跳过", "联系人孙经理", "跳过", "跳过"),
    )
    assert "联系人：孙经理" in text and "联系人：联系人" not in text, text


async def test_returning_complainant_keeps_their_details(chat: Chat) -> None:
    await _to_summary(chat, "我叫蒋桂香，电话13812345673，凤鸣镇南关村，2023年养老保险多交了2000元")
    await chat.send("确认")
    reply = await chat.send("还有个事，2024年医保扣了两回")
    assert "蒋桂香" in reply.text and "138****5673" in reply.text, reply.text
    assert "名字和联系电话" not in reply.text, reply.text
    reply = await chat.send("还是俺，电话跟上回一样")
    assert "补充的情况" not in reply.text and "没太看明白" not in reply.text, reply.text
    for _ in range(4):
        if "请核对" in reply.text:
            break
        reply = await chat.send("跳过")
    assert "姓名：蒋桂香" in reply.text and "电话：13812345673" in reply.text, reply.text
    assert "跟上回一样" not in reply.text, reply.text


async def test_villager_refuses(chat: Chat) -> None:
    w = _worker(chat)
    reply = await w.send("南关村周老栓2023年养老保险交了两次，他不愿意让我代办")
    assert "没有保存" in reply.text and "名字和联系电话" not in reply.text, reply.text
    w2 = _worker(chat, "grid-2")
    await w2.send("南关村吴有田，电话13903561230，2023年养老保险交了两次")
    reply = await w2.send("他不同意")
    assert "没有保存" in reply.text, reply.text
    reply = await w2.send("本人已同意")
    assert "吴有田" not in reply.text, reply.text


async def test_story_in_pieces_and_announcing_words(chat: Chat) -> None:
    w = _worker(chat)
    text = await _to_summary(
        w, "还有一户，南关村郑二娃，电话13903561231，2023年养老保险交了两次，本人已同意"
    )
    assert "情况：南关村郑二娃" in text, text
    await chat.send("医保")
    await chat.send("扣了两回")
    await chat.send("去年")
    text = await _to_summary(
        chat, "同意", ("魏春花，13812345674，凤鸣镇南关村", "跳过", "跳过", "跳过", "跳过")
    )
    assert "情况：医保，扣了两回，去年" in text, text
